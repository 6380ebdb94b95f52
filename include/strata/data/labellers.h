#pragma once
/// Labelling items from their paths (fastai RegexLabeller, parent_label, using_attr).

#include <filesystem>
#include <functional>
#include <regex>
#include <string>

namespace strata {

/// Any callable from an item path to its label.
using LabelFunc = std::function<std::string(const std::filesystem::path&)>;

/// fastai RegexLabeller(pat, match=False): the first capture group of `pattern` searched in the
/// file name (match = true: matched against the whole name). ValueError naming the file and the
/// pattern when it does not match.
class RegexLabeller {
 public:
  explicit RegexLabeller(std::string pattern, bool match = false);
  std::string operator()(const std::filesystem::path& path) const;

 private:
  std::string pattern_;
  std::regex regex_;
  bool match_;
};

/// fastai parent_label: the name of the folder holding the file.
std::string parent_label(const std::filesystem::path& path);

}  // namespace strata
