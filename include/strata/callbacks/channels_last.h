#pragma once
/// fastai ChannelsLast (learn.to_channelslast()): trains in the channels_last (NHWC) memory
/// format, which cuDNN's fast convolution kernels (tensor cores, mixed precision) and oneDNN on
/// the CPU prefer. Only the layout changes: values and shapes stay the same.

#include "strata/learner/callback.h"

namespace strata {

class ChannelsLast : public Callback {
 public:
  std::string name() const override { return "channels_last"; }
  /// fastai's order: before everything that touches the batch.
  int order() const override { return -1; }
  /// The model's 4-D parameters and buffers (convolution weights) become channels_last.
  void before_fit(Learner& l) override;
  /// Every 4-D input of the batch becomes channels_last.
  void before_batch(Learner& l) override;
};

}  // namespace strata
