// account_admission_test.cc: AccountAdmission lets each account run at
// most N calls at once, refuses the next with a retry hint, and gives the
// place back when a ticket ends (moved tickets included).
#include "server/rules/account_admission.h"

#include <optional>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/retry_hint.h"

namespace miniter::rules {
namespace {

TEST(AccountAdmissionTest, AtMostNCallsOfOneAccountAtOnce) {
  AccountAdmission admission(2, absl::Milliseconds(100));
  std::vector<AccountAdmission::Ticket> held;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<AccountAdmission::Ticket> ticket = admission.Enter(7);
    ASSERT_TRUE(ticket.ok()) << ticket.status();
    held.push_back(*std::move(ticket));
  }
  absl::StatusOr<AccountAdmission::Ticket> third = admission.Enter(7);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(common::RetryAfter(third.status()), absl::Milliseconds(100));
  // Another account is not affected.
  EXPECT_TRUE(admission.Enter(8).ok());
  EXPECT_EQ(admission.InFlight(7), 2);
  held.pop_back();  // a call ends
  EXPECT_EQ(admission.InFlight(7), 1);
  EXPECT_TRUE(admission.Enter(7).ok());
  held.clear();
  EXPECT_EQ(admission.InFlight(7), 0);
}

TEST(AccountAdmissionTest, MovedTicketsReleaseOnce) {
  AccountAdmission admission(1);
  std::optional<AccountAdmission::Ticket> outer;
  {
    absl::StatusOr<AccountAdmission::Ticket> ticket = admission.Enter(3);
    ASSERT_TRUE(ticket.ok());
    outer.emplace(*std::move(ticket));
  }
  EXPECT_EQ(admission.InFlight(3), 1);
  EXPECT_FALSE(admission.Enter(3).ok());
  AccountAdmission::Ticket moved = std::move(*outer);
  outer.reset();
  EXPECT_EQ(admission.InFlight(3), 1);
  moved = AccountAdmission::Ticket();
  EXPECT_EQ(admission.InFlight(3), 0);
}

TEST(AccountAdmissionTest, ZeroMeansNoLimit) {
  AccountAdmission admission(0);
  std::vector<AccountAdmission::Ticket> held;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<AccountAdmission::Ticket> ticket = admission.Enter(1);
    ASSERT_TRUE(ticket.ok());
    held.push_back(*std::move(ticket));
  }
}

}  // namespace
}  // namespace miniter::rules
