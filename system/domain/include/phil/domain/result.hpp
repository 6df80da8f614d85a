#pragma once
// Results of operations that can be refused or can fail at an I/O boundary. Programming and
// configuration errors are thrown instead.
#include <string>

#include <phil/common/expected.hpp>

namespace phil::domain {

enum class ErrorKind {
  kRefused,    ///< a rule of the business says no (balance, state, limit)
  kNotFound,   ///< what was named does not exist
  kInvalid,    ///< the request itself is malformed (a text, an amount, a period)
  kIo,         ///< a file, a line or the database failed
  kTimeout,    ///< no answer in time
  kConflict,   ///< the request races another or repeats one already done
  kForbidden,  ///< the actor may not do this: their role (domain::permits) or another's data
};

struct Error {
  ErrorKind kind = ErrorKind::kInvalid;
  std::string message;  ///< what, where, and what to do
};

/// The result of a domain or store operation: the value, or the refusal/failure in its place.
/// One template for the whole project: see phil/common/expected.hpp for the contract.
template <typename T>
using Result = phil::Expected<T, Error>;

}  // namespace phil::domain
