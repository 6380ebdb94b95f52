#include "strata/vision/interpret.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/learner/learner.h"
#include "strata/vision/image_io.h"
#include "strata/vision/show.h"

namespace strata {
namespace {

const Value* first_of(const Item& item, std::initializer_list<Kind> kinds) {
  for (const auto& v : item)
    for (Kind k : kinds)
      if (v.is(k)) return &v;
  return nullptr;
}

}  // namespace

Interpretation::Interpretation(at::Tensor preds, at::Tensor targets, at::Tensor losses, std::vector<std::string> vocab,
                               std::optional<DataLoader> dl)
    : preds_(std::move(preds)), targets_(std::move(targets)), losses_(std::move(losses)), vocab_(std::move(vocab)),
      dl_(std::move(dl)) {
  STRATA_CHECK(preds_.defined() && targets_.defined() && losses_.defined(),
               "Interpretation: needs predictions, targets and losses");
  STRATA_CHECK(preds_.size(0) == targets_.size(0) && preds_.size(0) == losses_.size(0),
               "Interpretation: {} predictions, {} targets and {} losses differ in count", preds_.size(0),
               targets_.size(0), losses_.size(0));
}

std::pair<at::Tensor, at::Tensor> Interpretation::top_losses(std::int64_t k, bool largest) const {
  const std::int64_t n = losses_.size(0);
  k = k < 0 ? n : std::min(k, n);
  auto [values, indices] = losses_.topk(k, 0, largest, /*sorted=*/true);
  return {values, indices};
}

std::string Interpretation::class_name(std::int64_t i) const {
  return i >= 0 && static_cast<std::size_t>(i) < vocab_.size() ? vocab_[static_cast<std::size_t>(i)] : std::to_string(i);
}

Item Interpretation::decoded_items(const std::vector<std::int64_t>& indices) const {
  STRATA_CHECK(dl_.has_value(), "plot_top_losses: this interpretation has no loader to show items from");
  STRATA_CHECK(!indices.empty(), "plot_top_losses: no items to show");
  DataLoader dl = dl_->with_options(DataLoaderOptions(dl_->options()).bs(static_cast<std::int64_t>(indices.size())));
  const std::vector<std::size_t> order(indices.begin(), indices.end());
  return dl.decode_batch(dl.finish_batch(dl.build_batch(0, 0, order), 0, 0));
}

ClassificationInterpretation ClassificationInterpretation::from_learner(Learner& learn, int ds_idx) {
  const Predictions p = learn.get_preds(ds_idx, /*with_decoded=*/false, /*with_loss=*/true);
  return ClassificationInterpretation(p.preds, p.targets, p.losses, learn.dls().vocab(),
                                      learn.dls()[static_cast<std::size_t>(ds_idx)].ordered());
}

at::Tensor ClassificationInterpretation::confusion_matrix() const {
  const std::int64_t c = preds_.size(-1);
  const at::Tensor actual = targets_.to(at::kLong).view(-1), predicted = preds_.argmax(-1).view(-1);
  STRATA_CHECK(actual.size(0) == predicted.size(0), "confusion_matrix: {} targets for {} predictions",
               actual.size(0), predicted.size(0));
  STRATA_CHECK(actual.numel() == 0 || (actual.min().item<std::int64_t>() >= 0 && actual.max().item<std::int64_t>() < c),
               "confusion_matrix: targets outside [0, {})", c);
  return at::bincount(actual * c + predicted, {}, c * c).view({c, c});
}

std::string ClassificationInterpretation::confusion_matrix_text() const {
  const at::Tensor cm = confusion_matrix();
  const std::int64_t c = cm.size(0);
  std::size_t w = 6;
  for (std::int64_t i = 0; i < c; ++i) w = std::max(w, class_name(i).size() + 1);
  std::string out = fmt::format("{:>{}}", "actual\\pred", w + 5);
  for (std::int64_t j = 0; j < c; ++j) out += fmt::format("{:>{}}", class_name(j), w);
  out += "\n";
  for (std::int64_t i = 0; i < c; ++i) {
    out += fmt::format("{:>{}}", class_name(i), w + 5);
    for (std::int64_t j = 0; j < c; ++j) out += fmt::format("{:>{}}", cm[i][j].item<std::int64_t>(), w);
    out += "\n";
  }
  return out;
}

std::vector<ClassificationInterpretation::Confusion> ClassificationInterpretation::most_confused(
    std::int64_t min_val) const {
  const at::Tensor cm = confusion_matrix();
  std::vector<Confusion> out;
  for (std::int64_t i = 0; i < cm.size(0); ++i)
    for (std::int64_t j = 0; j < cm.size(1); ++j) {
      const std::int64_t n = cm[i][j].item<std::int64_t>();
      if (i != j && n >= min_val) out.push_back({class_name(i), class_name(j), n});
    }
  std::stable_sort(out.begin(), out.end(), [](const Confusion& a, const Confusion& b) { return a.count > b.count; });
  return out;
}

void ClassificationInterpretation::plot_top_losses(std::int64_t k, const std::filesystem::path& path) const {
  auto [values, indices] = top_losses(k);
  const std::vector<std::int64_t> idx(indices.data_ptr<std::int64_t>(), indices.data_ptr<std::int64_t>() + indices.numel());
  const Item decoded = decoded_items(idx);
  const auto images = display_images(decoded, static_cast<std::int64_t>(idx.size()));
  std::vector<GridCell> cells;
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const at::Tensor p = preds_[idx[r]];
    const std::int64_t predicted = p.argmax().item<std::int64_t>();
    const std::int64_t actual = targets_[idx[r]].item<std::int64_t>();
    cells.push_back({images[r],
                     fmt::format("{}/{} / {:.2f} / {:.2f}", class_name(predicted), class_name(actual),
                                 values[static_cast<std::int64_t>(r)].item<double>(), p[actual].item<double>()),
                     predicted == actual ? std::array<int, 3>{0, 128, 0} : std::array<int, 3>{200, 0, 0}});
  }
  write_grid(path, cells, 0);
}

SegmentationInterpretation SegmentationInterpretation::from_learner(Learner& learn, int ds_idx) {
  const Predictions p = learn.get_preds(ds_idx, /*with_decoded=*/false, /*with_loss=*/true);
  return SegmentationInterpretation(p.preds, p.targets, p.losses, learn.dls().vocab(),
                                    learn.dls()[static_cast<std::size_t>(ds_idx)].ordered());
}

void SegmentationInterpretation::plot_top_losses(std::int64_t k, const std::filesystem::path& path) const {
  auto [values, indices] = top_losses(k);
  const std::vector<std::int64_t> idx(indices.data_ptr<std::int64_t>(), indices.data_ptr<std::int64_t>() + indices.numel());
  const Item decoded = decoded_items(idx);
  const Value* image = first_of(decoded, {Kind::Image});
  const Value* mask = first_of(decoded, {Kind::TensorMask, Kind::Mask});
  STRATA_CHECK(image != nullptr && mask != nullptr, "SegmentationInterpretation: the items hold no image and mask ({})",
               describe(decoded));
  std::vector<GridCell> cells;
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const auto i = static_cast<std::int64_t>(r);
    const at::Tensor img = image->tensor()[i];
    const at::Tensor predicted = preds_[idx[r]].argmax(0);
    cells.push_back({side_by_side(overlay_mask(img, mask->tensor()[i].to(at::kCPU)), overlay_mask(img, predicted)),
                     fmt::format("target / prediction, loss {:.3f}", values[i].item<double>())});
  }
  write_grid(path, cells, 0);
}

}  // namespace strata
