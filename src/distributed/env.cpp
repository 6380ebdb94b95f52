#include "strata/distributed/env.h"

#include <cerrno>
#include <cstdlib>
#include <optional>

#include "strata/core/error.h"

namespace strata {
namespace {

std::optional<std::string> env_string(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::optional<int> env_int(const char* name) {
  const auto text = env_string(name);
  if (!text) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text->c_str(), &end, 10);
  STRATA_CHECK(errno == 0 && end && *end == '\0' && value >= 0 && value <= 1 << 30,
               "distributed: environment variable {}='{}' is not a non-negative integer", name, *text);
  return static_cast<int>(value);
}

}  // namespace

DistributedEnv DistributedEnv::from_environment() {
  DistributedEnv env;
  const auto world = env_int("WORLD_SIZE");
  const auto rank = env_int("RANK");
  STRATA_CHECK(world.has_value() == rank.has_value(),
               "distributed: {} is set but {} is not; a launcher sets both (torchrun, srun, mpirun)",
               world ? "WORLD_SIZE" : "RANK", world ? "RANK" : "WORLD_SIZE");
  if (!world) return env;
  env.world_size = *world;
  env.rank = *rank;
  env.local_rank = env_int("LOCAL_RANK").value_or(0);
  if (env.world_size > 1) {
    const auto addr = env_string("MASTER_ADDR");
    const auto port = env_int("MASTER_PORT");
    STRATA_CHECK(addr && port, "distributed: WORLD_SIZE={} needs MASTER_ADDR and MASTER_PORT (missing: {})",
                 env.world_size, !addr ? "MASTER_ADDR" : "MASTER_PORT");
    env.master_addr = *addr;
    env.master_port = *port;
  }
  env.use_agent_store = env_string("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
  env.restart_count = env_int("TORCHELASTIC_RESTART_COUNT").value_or(0);
  env.validate();
  return env;
}

void DistributedEnv::validate() const {
  STRATA_CHECK(world_size >= 1, "distributed: WORLD_SIZE must be at least 1, got {}", world_size);
  STRATA_CHECK(rank >= 0 && rank < world_size, "distributed: RANK={} is outside 0..{} (WORLD_SIZE={})", rank,
               world_size - 1, world_size);
  STRATA_CHECK(local_rank >= 0 && local_rank < world_size,
               "distributed: LOCAL_RANK={} is outside 0..{} (WORLD_SIZE={})", local_rank, world_size - 1, world_size);
  STRATA_CHECK(master_port > 0 && master_port < 65536, "distributed: MASTER_PORT={} is not a TCP port (1..65535)",
               master_port);
  STRATA_CHECK(!master_addr.empty(), "distributed: MASTER_ADDR is empty");
}

int rank_distrib() { return env_int("RANK").value_or(0); }
int num_distrib() { return env_int("WORLD_SIZE").value_or(0); }

}  // namespace strata
