#include "fastai_numbers.h"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace strata_test {

std::string fastai_value(const std::string& key) {
  std::ifstream in(STRATA_TEST_FIXTURES "/fastai_numbers.txt");
  if (!in) throw std::runtime_error("cannot read fastai_numbers.txt");
  const std::string prefix = key + ": ";
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, prefix.size(), prefix) == 0) return line.substr(prefix.size());
  throw std::runtime_error("fastai_numbers.txt has no key '" + key + "'");
}

std::vector<double> fastai_list(const std::string& key) {
  return nlohmann::json::parse(fastai_value(key)).get<std::vector<double>>();
}

std::vector<std::vector<double>> fastai_table(const std::string& key) {
  return nlohmann::json::parse(fastai_value(key)).get<std::vector<std::vector<double>>>();
}

}  // namespace strata_test
