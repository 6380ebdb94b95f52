#pragma once
// Values printed by the real fastai 2.7.13 on torch 1.13 (tests/fixtures/fastai_numbers.txt, a
// copy of shared/reference/fastai_numbers.txt).

#include <string>
#include <vector>

namespace strata_test {

/// The raw text after "key: " (throws when the key is absent).
std::string fastai_value(const std::string& key);
/// A list of numbers, e.g. "tiny.fit_one_cycle(1,3e-3).recorder_lrs".
std::vector<double> fastai_list(const std::string& key);
/// A list of lists, e.g. per-iteration per-group learning rates.
std::vector<std::vector<double>> fastai_table(const std::string& key);

}  // namespace strata_test
