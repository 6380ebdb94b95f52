#pragma once
/// The whole strata API in one include: for applications and examples (library code includes
/// the narrow headers it needs).

#include "strata/core/error.h"
#include "strata/core/file_io.h"
#include "strata/core/logging.h"
#include "strata/core/random.h"
#include "strata/core/value.h"
#include "strata/transforms/pipeline.h"
#include "strata/transforms/transform.h"
#include "strata/version.h"
#include "strata/vision/image_io.h"
#include "strata/vision/resize.h"
#include "strata/vision/tensor_transforms.h"
