// main.cc: the `miniter` command-line client; all of it lives in cli.cc.
#include <string>
#include <vector>

#include "client/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return miniter::client::RunCli(args, miniter::client::ProcessEnvironment());
}
