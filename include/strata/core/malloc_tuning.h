#pragma once
/// glibc's malloc settings for training loops on the CPU.
///
/// By default glibc serves blocks above an adaptive threshold (128 KB at start) with fresh mmaps and
/// hands the free top of its heap back to the OS past 128 KB. A CPU training step allocates and
/// frees the same activations every batch, so each step faults their pages in again: on a 2-core
/// machine a small CNN's epoch spent 20-30 % more time than with the heap kept (bench_learner_overhead).

namespace strata {

/// Keeps freed blocks of up to 32 MB (glibc's largest mmap threshold) in malloc's heap for reuse
/// and trims the heap only when more than 128 MB at its top is free. Process-wide and cheap to
/// repeat; `Learner::fit`, `validate` and `get_preds` call it unless
/// `LearnerOptions::tune_malloc(false)`. Does nothing and
/// returns false where malloc is not glibc's, or when the environment variable GLIBC_TUNABLES
/// already sets a glibc.malloc value (the user's choice wins).
bool tune_cpu_allocator();

}  // namespace strata
