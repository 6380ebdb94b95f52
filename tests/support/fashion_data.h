#pragma once
// Real labelled images for tests: Fashion-MNIST PNGs named like Oxford Pets ("Sandal_3.png").

#include "strata/data/tfmd_lists.h"
#include "strata/data/items.h"

namespace strata_test {

/// (image, category) items of `files`, labelled by the name before "_<n>.png", split by
/// RandomSplitter(0.2, seed 42), as fastai's from_name_re would.
strata::Datasets fashion_datasets(const strata::Paths& files);

}  // namespace strata_test
