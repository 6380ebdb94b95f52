#include "strata/core/stats.h"

namespace strata {

const Stats imagenet_stats{{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};

}  // namespace strata
