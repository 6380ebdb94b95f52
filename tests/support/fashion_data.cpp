#include "fashion_data.h"

#include "strata/data/category.h"
#include "strata/data/labellers.h"
#include "strata/data/splitters.h"
#include "strata/vision/image_io.h"

namespace strata_test {

strata::Datasets fashion_datasets(const strata::Paths& files) {
  using strata::Item;
  strata::RegexLabeller label(R"(^(.*)_\d+\.png$)");
  auto x = std::make_shared<strata::ItemTransform>(
      "Load", [](Item it, strata::TransformContext&) { return Item{strata::read_image(it.at(0).str())}; });
  auto y = std::make_shared<strata::ItemTransform>("Label", [label](Item it, strata::TransformContext&) {
    return Item{strata::Value::text(label(it.at(0).str()))};
  });
  return strata::Datasets(strata::path_items(files),
                          {strata::Pipeline({x}), strata::Pipeline({y, std::make_shared<strata::Categorize>()})},
                          strata::RandomSplitter(0.2, 42)(files));
}

}  // namespace strata_test
