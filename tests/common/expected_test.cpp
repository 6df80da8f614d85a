#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <phil/common/expected.hpp>

namespace {

struct Oops {
  int code = 0;
  std::string what;
};

using IntOrOops = phil::Expected<int, Oops>;
using TextOrOops = phil::Expected<std::string, Oops>;
using NothingOrOops = phil::Expected<void, Oops>;

TextOrOops text(bool good) {
  if (good) return std::string(64, 'x');  // long enough to live on the heap
  return Oops{7, "no text"};
}

}  // namespace

TEST(Expected, AValueIsThereAndTrue) {
  const IntOrOops r = 42;
  EXPECT_TRUE(r.has_value());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
}

TEST(Expected, AnErrorIsThereInsteadOfTheValue) {
  const IntOrOops r = Oops{3, "refused"};
  EXPECT_FALSE(r.has_value());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, 3);
  EXPECT_EQ(r.error().what, "refused");
}

TEST(Expected, TheWrongSideIsAProgrammingErrorThatThrows) {
  const IntOrOops good = 1;
  const IntOrOops bad = Oops{};
  EXPECT_THROW((void)good.error(), std::bad_variant_access);
  EXPECT_THROW((void)bad.value(), std::bad_variant_access);
  const NothingOrOops done;
  const NothingOrOops failed = Oops{};
  EXPECT_THROW((void)done.error(), std::bad_variant_access);
  EXPECT_THROW(failed.value(), std::bad_variant_access);
  EXPECT_NO_THROW(done.value());
}

TEST(Expected, ValueOnAnRvalueIsReturnedByValueNotAReferenceIntoTheTemporary) {
  static_assert(std::is_same_v<decltype(text(true).value()), std::string>);
  static_assert(std::is_same_v<decltype(*text(true)), std::string>);
  static_assert(std::is_same_v<decltype(text(false).error()), Oops>);
  TextOrOops lvalue = text(true);
  static_assert(std::is_same_v<decltype(lvalue.value()), std::string&>);
  static_assert(std::is_same_v<decltype(std::as_const(lvalue).value()), const std::string&>);
  // Bound to a reference, the moved-out value lives as long as the reference (under ASan a
  // reference into the temporary would be a use after free here).
  const auto& kept = text(true).value();
  EXPECT_EQ(kept, std::string(64, 'x'));
  for (const char c : text(true).value())
    EXPECT_EQ(c, 'x');
}

TEST(Expected, AValueCanBeMovedOutAndChangedInPlace) {
  phil::Expected<std::unique_ptr<int>, Oops> r = std::make_unique<int>(5);
  **r += 1;
  EXPECT_EQ(*r.value(), 6);
  const std::unique_ptr<int> taken = std::move(r).value();
  EXPECT_EQ(*taken, 6);
  phil::Expected<std::vector<int>, Oops> v = std::vector<int>{1, 2};
  v->push_back(3);
  EXPECT_EQ(v->size(), 3U);
}

TEST(Expected, VoidSuccessCarriesNothingAndFailureCarriesTheError) {
  const NothingOrOops done;
  EXPECT_TRUE(done.ok());
  EXPECT_TRUE(done.has_value());
  const NothingOrOops failed = Oops{9, "port gone"};
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.error().what, "port gone");
  EXPECT_EQ(NothingOrOops(Oops{9, "moved"}).error().what, "moved");
}
