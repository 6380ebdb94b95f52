#pragma once
/// The Callback base class and the loop's events live with the Learner core
/// (strata/learner/callback.h); this header keeps the include path fastai users expect
/// (fastai.callback.core).
#include "strata/learner/callback.h"
