#pragma once
/// ProgressCallback is one of the Learner's default callbacks, so it lives with the Learner core
/// (strata/learner/progress.h); this header keeps fastai's module path (fastai.callback.progress).
#include "strata/learner/progress.h"
