// The manual clock's storage, read by other threads while its owner moves it (the bench's clock
// and the simulator's serving thread). Under ThreadSanitizer (script/tsan) a plain time point
// here is reported as a data race; in every build a reader must never see time go back.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <phil/common/shared_time.hpp>

using namespace std::chrono_literals;

namespace {

const phil::TimePoint kStart = phil::TimePoint(phil::Millis(1'772'294'400'000));  // any instant

TEST(SharedTimePoint, SetAndAdvanceMoveTheInstant) {
  phil::SharedTimePoint t(kStart);
  EXPECT_EQ(t.now(), kStart);
  t.advance(30min);
  EXPECT_EQ(t.now(), kStart + 30min);
  t.set(kStart + 1h);
  EXPECT_EQ(t.now(), kStart + 1h);
}

constexpr int kSteps = 20'000;

TEST(SharedTimePoint, ReadersOnOtherThreadsSeeItOnlyMoveForwardWhileItMoves) {
  phil::SharedTimePoint t(kStart);
  std::vector<std::thread> readers;
  std::vector<int> backwards(2, 0);
  for (std::size_t r = 0; r < backwards.size(); ++r) {
    readers.emplace_back([&t, &backwards, r] {
      phil::TimePoint last = kStart;
      while (last < kStart + phil::Millis(kSteps)) {
        const phil::TimePoint now = t.now();
        if (now < last) ++backwards[r];
        last = now;
      }
    });
  }
  for (int i = 1; i <= kSteps; ++i) {
    if (i % 2 == 0) {
      t.set(kStart + phil::Millis(i));
    } else {
      t.advance(1ms);
    }
  }
  for (auto& r : readers)
    r.join();
  EXPECT_EQ(backwards, std::vector<int>(2, 0));
  EXPECT_EQ(t.now(), kStart + phil::Millis(kSteps));
}

}  // namespace
