#include "device_transfer.h"

#include <optional>

#include "strata/core/error.h"

#if STRATA_HAS_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace strata::detail {

struct DeviceTransfer::Impl {
  Impl(at::Device d, bool o) : device(d), overlap(o) {}
  at::Device device;
  bool overlap;
  std::optional<Item> batch;
#if STRATA_HAS_CUDA
  std::optional<c10::cuda::CUDAStream> stream;  // the side stream, created on first use
  std::optional<at::cuda::CUDAEvent> copied;   // recorded after the batch's copies
#endif
};

DeviceTransfer::DeviceTransfer(at::Device device, bool overlap)
    : impl_(std::make_unique<Impl>(device, overlap)) {}

DeviceTransfer::~DeviceTransfer() = default;

bool DeviceTransfer::staged() const { return impl_->batch.has_value(); }

void DeviceTransfer::start(Item batch) {
  STRATA_CHECK(!impl_->batch, "DeviceTransfer: a batch is already staged");
#if STRATA_HAS_CUDA
  if (impl_->device.is_cuda() && impl_->overlap) {
    const auto index = impl_->device.has_index() ? impl_->device.index() : c10::cuda::current_device();
    if (!impl_->stream) impl_->stream = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, index);
    c10::cuda::CUDAStreamGuard guard(*impl_->stream);
    for (auto& v : batch)
      if (!v.is_text()) v = v.with(v.tensor().to(impl_->device, /*non_blocking=*/true));
    impl_->copied.emplace();
    impl_->copied->record(*impl_->stream);
    impl_->batch = std::move(batch);
    return;
  }
#endif
  for (auto& v : batch)
    if (!v.is_text()) v = v.with(v.tensor().to(impl_->device, impl_->overlap));
  impl_->batch = std::move(batch);
}

Item DeviceTransfer::take() {
  STRATA_CHECK(impl_->batch.has_value(), "DeviceTransfer: no batch staged");
  Item batch = std::move(*impl_->batch);
  impl_->batch.reset();
#if STRATA_HAS_CUDA
  if (impl_->copied) {
    const auto index = impl_->stream->device_index();
    const auto current = c10::cuda::getCurrentCUDAStream(index);
    impl_->copied->block(current);  // the GPU waits, the host does not
    // The memory was allocated on the side stream: the caching allocator must not hand it out
    // again before the current stream is done with it.
    for (auto& v : batch)
      if (!v.is_text()) v.tensor().record_stream(current);
    impl_->copied.reset();
  }
#endif
  return batch;
}

}  // namespace strata::detail
