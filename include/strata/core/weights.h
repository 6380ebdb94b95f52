#pragma once
/// PyTorch weight files without Python: .pth/.pt (zip and legacy formats) and .safetensors.

#include <filesystem>
#include <string>

#include <ATen/core/Tensor.h>
#include <torch/ordered_dict.h>

#include "strata/core/pickle.h"

namespace strata {

/// Parameter and buffer names -> tensors, in file order (PyTorch: model.state_dict()).
using StateDict = torch::OrderedDict<std::string, at::Tensor>;

enum class WeightFormat {
  PthZip,       ///< torch.save since PyTorch 1.6 (a zip archive: `data.pkl` + `data/<key>` storages)
  PthLegacy,    ///< torch.save(..., _use_new_zipfile_serialization=False), older torchvision files
  Safetensors,  ///< 8-byte header size, JSON header, raw little-endian data
};

/// Recognises the format from the file's first bytes; IOError naming the file otherwise.
WeightFormat detect_weight_format(const std::filesystem::path& path);

/// The whole object a .pth file holds (a state dict, or e.g. fastai's {'model': ..., 'opt': ...}).
/// Only state-dict content is accepted: see pickle.h.
PickleValue read_pth(const std::filesystem::path& path);

/// The state dict in a .pth or .safetensors file. For a .pth holding a dict with a 'model' or
/// 'state_dict' entry (fastai's learn.save, common training scripts), that entry is returned.
/// Throws IOError naming the file and what is wrong with it.
StateDict read_state_dict(const std::filesystem::path& path);

/// Reads a .safetensors file (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL).
StateDict read_safetensors(const std::filesystem::path& path);

/// Writes `root` (a Dict of tensors, possibly nested with numbers and strings) in PyTorch's zip
/// format, readable by torch.load. Atomic: a temporary file renamed into place.
void save_pth(const PickleValue& root, const std::filesystem::path& path);
/// Writes a state dict as an OrderedDict in PyTorch's zip format (torch.load-compatible).
void save_pth(const StateDict& state, const std::filesystem::path& path);
/// Writes a state dict as .safetensors (atomic).
void save_safetensors(const StateDict& state, const std::filesystem::path& path);

/// The state dict inside an unpickled .pth object (the dict itself, or its 'model' / 'state_dict'
/// entry); IOError mentioning `what` when it holds something else.
StateDict to_state_dict(const PickleValue& root, const std::string& what);

/// A Dict PickleValue holding the state dict's tensors, in order.
PickleValue to_pickle(const StateDict& state);

}  // namespace strata
