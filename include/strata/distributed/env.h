#pragma once
/// Where this process sits in a data-parallel job, read from the standard launcher environment
/// (torchrun, Slurm through a wrapper, mpirun-style scripts): MASTER_ADDR, MASTER_PORT, RANK,
/// WORLD_SIZE, LOCAL_RANK.

#include <string>

namespace strata {

struct DistributedEnv {
  /// host of the rendezvous store (rank 0's machine, or torchrun's agent)
  std::string master_addr = "127.0.0.1";
  /// port of the rendezvous store
  int master_port = 29500;
  /// this process's rank, 0 <= rank < world_size
  int rank = 0;
  /// number of processes in the job
  int world_size = 1;
  /// rank on this machine (which GPU to use)
  int local_rank = 0;
  /// torchrun hosts the store in its agent (TORCHELASTIC_USE_AGENT_STORE=True): every rank is a
  /// client and keys live under `/worker/attempt_<TORCHELASTIC_RESTART_COUNT>/`, as PyTorch does
  bool use_agent_store = false;
  int restart_count = 0;

  /// Reads the variables; a missing RANK / WORLD_SIZE means a single process (world_size 1).
  /// ValueError naming the variable when one is malformed or out of range (RANK >= WORLD_SIZE,
  /// a port outside 1..65535, WORLD_SIZE set without MASTER_ADDR / MASTER_PORT).
  static DistributedEnv from_environment();
  /// ValueError naming the field when the values cannot describe a job.
  void validate() const;
};

/// fastai rank_distrib(): RANK from the environment, 0 when unset.
int rank_distrib();
/// fastai num_distrib(): WORLD_SIZE from the environment, 0 when unset.
int num_distrib();

}  // namespace strata
