#include "catch.h"
#include "fastai_numbers.h"
#include "strata/callbacks/schedule.h"

namespace {
double value_at(const strata::Schedule& s, double pos) { return s(pos).at(0); }
}  // namespace

TEST_CASE("Annealing functions: the values asserted in fastai's callback.schedule notebook", "[learner]") {
  const std::vector<double> pos{0, 0.25, 0.5, 0.75, 1};
  const std::vector<double> lin{0, 0.5, 1, 1.5, 2}, cos{0, 0.29289, 1, 1.70711, 2}, exp{1, 1.18921, 1.41421, 1.68179, 2},
      poly{0, 0.125, 0.5, 1.125, 2};
  for (std::size_t i = 0; i < pos.size(); ++i) {
    CHECK(value_at(strata::SchedLin({0}, {2}), pos[i]) == Approx(lin[i]).margin(1e-5));
    CHECK(value_at(strata::SchedCos({0}, {2}), pos[i]) == Approx(cos[i]).margin(1e-5));
    CHECK(value_at(strata::SchedNo({0}, {2}), pos[i]) == 0.0);
    CHECK(value_at(strata::SchedExp({1}, {2}), pos[i]) == Approx(exp[i]).margin(1e-5));
    CHECK(value_at(strata::SchedPoly({0}, {2}, 2), pos[i]) == Approx(poly[i]).margin(1e-5));
  }
}

TEST_CASE("combine_scheds and combined_cos: fastai's test values", "[learner]") {
  auto s = strata::combine_scheds({0.3, 0.2, 0.5}, {strata::SchedLin({0}, {1}), strata::SchedNo({1}, {1}),
                                                   strata::SchedCos({1}, {0})});
  const std::vector<double> pos{0, 0.15, 0.3, 0.4, 0.5, 0.7, 1}, want{0, 0.5, 1, 1, 1, 0.65451, 0};
  for (std::size_t i = 0; i < pos.size(); ++i) CHECK(value_at(s, pos[i]) == Approx(want[i]).margin(1e-5));
  auto c = strata::combined_cos(0.25, {0.5}, {1}, {0});
  const std::vector<double> cpos{0, 0.1, 0.25, 0.5, 1}, cwant{0.5, 0.67275, 1, 0.75, 0};
  for (std::size_t i = 0; i < cpos.size(); ++i) CHECK(value_at(c, cpos[i]) == Approx(cwant[i]).margin(1e-5));
}

TEST_CASE("combined_cos: the real fastai's one-cycle curves, float32 positions included", "[learner][parity]") {
  const auto pcts = strata_test::fastai_list("combined_cos(0.25,3e-3/25,3e-3,3e-3/1e5).pcts");
  const auto lrs = strata_test::fastai_list("combined_cos(0.25,3e-3/25,3e-3,3e-3/1e5).values");
  const auto moms = strata_test::fastai_list("combined_cos(0.25,0.95,0.85,0.95).values");
  auto lr = strata::combined_cos(0.25, {3e-3 / 25}, {3e-3}, {3e-3 / 1e5});
  auto mom = strata::combined_cos(0.25, {0.95}, {0.85}, {0.95});
  for (std::size_t i = 0; i < pcts.size(); ++i) {
    CHECK(value_at(lr, pcts[i]) == Approx(lrs[i]).epsilon(1e-12));
    CHECK(value_at(mom, pcts[i]) == Approx(moms[i]).epsilon(1e-12));
  }
  const auto exp = strata_test::fastai_list("SchedExp(1e-7,10).values");
  for (std::size_t i = 0; i < exp.size(); ++i)
    CHECK(value_at(strata::SchedExp({1e-7}, {10}), static_cast<double>(i) / (exp.size() - 1)) == Approx(exp[i]).epsilon(1e-9));
}
