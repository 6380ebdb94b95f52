#include "strata/core/error.h"

namespace strata::detail {

// Out of line so that the throwing path is not inlined at every check site.
void throw_value_error(std::string message) { throw ValueError(std::move(message)); }
void throw_index_error(std::string message) { throw IndexError(std::move(message)); }
void throw_key_error(std::string message) { throw KeyError(std::move(message)); }
void throw_type_error(std::string message) { throw TypeError(std::move(message)); }
void throw_io_error(std::string message) { throw IOError(std::move(message)); }

}  // namespace strata::detail

namespace strata {

void rethrow_with_context(const std::string& context) {
  try {
    throw;
  } catch (const IOError& e) {
    throw IOError(context + e.what());
  } catch (const KeyError& e) {
    throw KeyError(context + e.what());
  } catch (const IndexError& e) {
    throw IndexError(context + e.what());
  } catch (const TypeError& e) {
    throw TypeError(context + e.what());
  } catch (const ValueError& e) {
    throw ValueError(context + e.what());
  } catch (const std::exception& e) {
    throw Error(context + e.what());
  }
}

}  // namespace strata
