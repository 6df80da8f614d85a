#pragma once
// Results of operations that can be refused or can fail at an I/O boundary. Programming and
// configuration errors are thrown instead.
#include <string>
#include <utility>
#include <variant>

namespace phil::domain {

enum class ErrorKind { kRefused, kNotFound, kInvalid, kIo, kTimeout, kConflict };

struct Error {
  ErrorKind kind = ErrorKind::kInvalid;
  std::string message;  ///< what, where, and what to do
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::move(e)) {}      // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace phil::domain
