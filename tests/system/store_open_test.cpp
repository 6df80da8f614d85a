// How the SQLite store opens its file (OpenMode): only kCreate creates one, so a mistyped path
// never becomes an empty database; a read-only connection reads, refuses every write, and works on
// a file in a folder it cannot write (where SQLite cannot create the WAL's -shm file).
#include <filesystem>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <phil/store/sqlite_open.hpp>
#include <phil/store/store.hpp>

#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};

/// A database with account A401 (a first sale of 20.00), closed again (no -wal or -shm left).
void make_database(const std::string& path) {
  auto store = open_sqlite_store(path);
  store->register_meters({MeterId{"bus1", 1, 1}}, "adf300l-i", false);
  ASSERT_TRUE(store->open_account({"A401", "Li", {MeterId{"bus1", 1, 1}}, 2000, "qa", kT0}));
}

TEST(StoreOpen, OnlyCreateModeCreatesAMissingFile) {
  const test::TempDir dir;
  const auto path = dir.file("typo.db");
  for (const auto mode : {OpenMode::kExisting, OpenMode::kReadOnly}) {
    try {
      (void)open_sqlite_store(path, Checkpoints::kAtCommit, mode);
      FAIL() << "a missing file was opened";
    } catch (const DatabaseNotFound& e) {
      std::string want = "database ";
      want += path;
      want += " not found: run prepaidctl init --db ";
      want += path;
      want += " to create it, or check the path";
      EXPECT_EQ(std::string(e.what()), want);
    }
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  (void)open_sqlite_store(path, Checkpoints::kAtCommit, OpenMode::kCreate);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_NO_THROW((void)open_sqlite_store(path, Checkpoints::kAtCommit, OpenMode::kExisting));
}

TEST(StoreOpen, AReadOnlyConnectionReadsAndRefusesEveryWrite) {
  const test::TempDir dir;
  const auto path = dir.file("site.db");
  make_database(path);
  const auto ro = open_sqlite_store(path, Checkpoints::kAtCommit, OpenMode::kReadOnly);
  EXPECT_EQ(ro->account_balance_fen("A401"), 2000);
  EXPECT_THROW((void)ro->sale({"A401", 100, "qa", kT0}), StoreError);
  EXPECT_THROW(ro->register_meters({MeterId{"bus1", 1, 2}}, "adf300l-i", false), StoreError);
  const auto rw = open_sqlite_store(path);
  EXPECT_EQ(rw->account_balance_fen("A401"), 2000);
  EXPECT_FALSE(rw->meter(MeterId{"bus1", 1, 2}));
}

// The folder and the file are made read-only; as root (CI) permissions do not bind, so the read
// runs in a child process that drops to an unprivileged user first.
TEST(StoreOpen, AReadOnlyConnectionReadsAFileInAFolderItCannotWrite) {
  const test::TempDir dir;
  const auto folder = std::filesystem::path(dir.file("ro"));
  std::filesystem::create_directories(folder);
  const auto path = (folder / "site.db").string();
  make_database(path);
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));  // the last writer closed it
  ::chmod(dir.file("").c_str(), 0755);
  ::chmod(path.c_str(), 0444);
  ::chmod(folder.c_str(), 0555);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    try {
      const auto ro = open_sqlite_store(path, Checkpoints::kAtCommit, OpenMode::kReadOnly);
      ::_exit(ro->account_balance_fen("A401") == 2000 ? 0 : 1);
    } catch (...) {
      ::_exit(2);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::chmod(folder.c_str(), 0755);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: wrong balance, 2: open or read threw, 3: setuid";
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

}  // namespace
}  // namespace phil::store
