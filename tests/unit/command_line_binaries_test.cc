// command_line_binaries_test.cc: the built programs' command lines as an
// operator meets them: --help lists the flags and exits 0, --version names
// the version and git revision, and a bad setting ends miniter-server with
// exit code 2 and an error naming the flag and its variable. Needs no
// database: every case ends before the server would connect. ctest passes
// the binaries' paths (tests/unit/CMakeLists.txt).
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/server_settings.h"

namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs the binary named by the variable `binary_env` with `args` (shell
// words), without the two required settings unless `env` (NAME=value
// words) gives them.
Outcome RunCommand(const std::string& binary_env, const std::string& args,
                   const std::string& env = "") {
  const char* binary = std::getenv(binary_env.c_str());
  EXPECT_NE(binary, nullptr) << binary_env << " is not set";
  Outcome run;
  if (binary == nullptr) return run;
  const std::string command =
      absl::StrCat("env -u MINITER_DATABASE_URL -u MINITER_TOKEN_SECRET ", env,
                   " '", binary, "' ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    run.output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(ServerBinaryTest, HelpListsEverySettingAndExitsZero) {
  const Outcome run = RunCommand("MINITER_SERVER_BINARY", "--help");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Usage: miniter-server"));
  for (const miniter::app::ServerSetting& setting :
       miniter::app::ServerSettings()) {
    EXPECT_THAT(run.output,
                HasSubstr(absl::StrCat("env ", setting.env, ", default ",
                                       setting.DefaultForHelp(), "\n")));
  }
  EXPECT_THAT(run.output, Not(HasSubstr("No flags matched")));
}

TEST(ServerBinaryTest, VersionNamesTheVersionAndTheRevision) {
  const Outcome run = RunCommand("MINITER_SERVER_BINARY", "--version");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output,
              MatchesRegex("miniter-server [0-9]+\\.[0-9]+\\.[0-9]+ "
                           "\\(git ([0-9a-f]+|unknown)\\)\n"));
}

TEST(ServerBinaryTest, ABadValueExitsTwoNamingTheFlagAndTheVariable) {
  Outcome run = RunCommand("MINITER_SERVER_BINARY",
                           "--database_url=mysql://u:p@127.0.0.1:1/x "
                           "--token_secret=0123456789abcdef0123456789abcdef "
                           "--shutdown_grace=soon");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("--shutdown_grace / MINITER_SHUTDOWN_GRACE (from the "
                        "flag): must be a positive duration"));

  run = RunCommand("MINITER_SERVER_BINARY", "", "MINITER_POOL_SIZE=lots");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--pool_size / MINITER_POOL_SIZE (from the "
                                    "environment)"));

  run = RunCommand("MINITER_SERVER_BINARY", "--pool-size=3");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("unknown flag --pool-size"));
}

TEST(LoadBinaryTest, HelpListsItsFlagsAndVersionWorks) {
  Outcome run = RunCommand("MINITER_LOAD_BINARY", "--help");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Usage: miniter-load login|mint|"));
  EXPECT_THAT(run.output, HasSubstr("\n  --server\n      address of "
                                    "miniter-server\n      default: "
                                    "127.0.0.1:50051\n"));
  EXPECT_THAT(run.output, HasSubstr("\n  --watch_pid\n"));

  run = RunCommand("MINITER_LOAD_BINARY", "--version");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("miniter-load "));
}

}  // namespace
