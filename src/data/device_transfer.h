#pragma once
// Private: moving collated batches to the loader's device. On a CUDA device with pinned memory
// the copy runs on a side stream, so the next batch's copy overlaps the computation on the
// current one (the consuming stream waits on an event, not on the host).

#include <memory>

#include <ATen/ATen.h>

#include "strata/core/value.h"

namespace strata::detail {

class DeviceTransfer {
 public:
  /// `overlap`: copy on a side stream (CUDA devices with pinned batches only; otherwise a plain
  /// `.to(device)`, non-blocking when `overlap`).
  DeviceTransfer(at::Device device, bool overlap);
  ~DeviceTransfer();
  DeviceTransfer(const DeviceTransfer&) = delete;
  DeviceTransfer& operator=(const DeviceTransfer&) = delete;

  /// Starts moving `batch` to the device and returns without waiting for the copy.
  void start(Item batch);
  /// Whether a batch has been started and not taken.
  bool staged() const;
  /// The started batch, safe to use on the current stream of its device.
  Item take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::detail
