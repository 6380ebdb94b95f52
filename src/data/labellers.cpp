#include "strata/data/labellers.h"

#include "strata/core/error.h"

namespace strata {

RegexLabeller::RegexLabeller(std::string pattern, bool match) : pattern_(std::move(pattern)), match_(match) {
  try {
    regex_ = std::regex(pattern_);
  } catch (const std::regex_error& e) {
    STRATA_FAIL(ValueError, "RegexLabeller: '{}' is not a valid regular expression: {}", pattern_, e.what());
  }
  STRATA_CHECK(regex_.mark_count() >= 1, "RegexLabeller: '{}' needs a capture group for the label", pattern_);
}

std::string RegexLabeller::operator()(const std::filesystem::path& path) const {
  const std::string name = path.filename().string();
  std::smatch m;
  const bool found = match_ ? std::regex_match(name, m, regex_) : std::regex_search(name, m, regex_);
  STRATA_CHECK(found, "RegexLabeller: '{}' does not match '{}'", path.string(), pattern_);
  return m[1].str();
}

std::string parent_label(const std::filesystem::path& path) { return path.parent_path().filename().string(); }

}  // namespace strata
