#pragma once
// Expected<T, E>: a value or the error that stands in its place. The one result template of the
// project (domain::Result, meterlink::LinkResult are aliases of it). std::expected is C++23 and
// clang 14 (fuzz preset, clang-tidy) cannot compile libstdc++ 12's <expected>, hence our own.
//
// Contract:
// - `[[nodiscard]]`: a result that is dropped is a compile error under -Werror; a caller that
//   really does not care writes `(void)call();` with a comment saying why that is safe.
// - Implicit construction from a T or an E, so `return value;` and `return error;` both work.
//   T and E must be different types.
// - value(), operator* and operator-> require has_value(); error() requires !has_value().
//   Breaking that is a programming error: std::bad_variant_access is thrown.
// - value() and operator* on an rvalue return T by value (moved out), never a reference into the
//   dying temporary: `auto& x = f().value();` does not compile with a dangling reference.
// - Expected<void, E>: success carries nothing; value() is a no-op check.
// Header-only and standard-library-only, so system/domain may include it without linking.
#include <type_traits>
#include <utility>
#include <variant>

namespace phil {

template <class T, class E>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, std::remove_cv_t<E>>,
                "Expected<T, E>: T and E must differ");
  static_assert(!std::is_reference_v<T> && !std::is_reference_v<E>,
                "Expected<T, E>: no references");

 public:
  using value_type = T;
  using error_type = E;

  Expected(T value)
      : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Expected(E error)
      : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  [[nodiscard]] bool ok() const noexcept { return has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T value() && { return std::get<0>(std::move(v_)); }

  [[nodiscard]] T& operator*() & { return value(); }
  [[nodiscard]] const T& operator*() const& { return value(); }
  [[nodiscard]] T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] E& error() & { return std::get<1>(v_); }
  [[nodiscard]] const E& error() const& { return std::get<1>(v_); }
  [[nodiscard]] E error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
  static_assert(!std::is_reference_v<E>, "Expected<void, E>: no references");

 public:
  using value_type = void;
  using error_type = E;

  Expected() = default;
  Expected(E error) : err_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  /// Throws std::bad_variant_access on an error, like Expected<T, E>::value().
  void value() const {
    if (!ok_) throw std::bad_variant_access();
  }

  [[nodiscard]] E& error() & { return checked_error(); }
  [[nodiscard]] const E& error() const& { return checked_error(); }
  [[nodiscard]] E error() && { return std::move(checked_error()); }

 private:
  E& checked_error() {
    if (ok_) throw std::bad_variant_access();
    return err_;
  }
  const E& checked_error() const {
    if (ok_) throw std::bad_variant_access();
    return err_;
  }

  E err_{};
  bool ok_ = true;
};

}  // namespace phil
