#include "strata/callbacks/channels_last.h"

#include <torch/torch.h>

#include "strata/learner/learner.h"

namespace strata {

void ChannelsLast::before_fit(Learner& l) {
  torch::NoGradGuard no_grad;
  for (auto& p : l.module().parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
  for (auto& b : l.module().buffers())
    if (b.dim() == 4) b.set_data(b.contiguous(at::MemoryFormat::ChannelsLast));
}

void ChannelsLast::before_batch(Learner& l) {
  for (auto& v : l.xb)
    if (!v.is_text() && v.tensor().dim() == 4) v = v.with(v.tensor().contiguous(at::MemoryFormat::ChannelsLast));
}

// ---- the Learner's entry points (fastai callback/channelslast.py) ----

void Learner::to_channelslast() {
  to_contiguous();
  add_cb(std::make_shared<ChannelsLast>());
}

void Learner::to_contiguous() {
  remove_cbs<ChannelsLast>();
  torch::NoGradGuard no_grad;
  for (auto& p : module().parameters()) p.set_data(p.contiguous());
}

}  // namespace strata
