// account_admission_test.cc: AccountAdmission lets each account hold at
// most N units at once (a call one, a raised call more), refuses the next
// call or raise with a retry hint, and gives the units back when a ticket
// ends (moved tickets included).
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

TEST(AccountAdmissionTest, RaisedTicketsHoldMoreUnitsUntilTheyEnd) {
  AccountAdmission admission(4, absl::Milliseconds(100));
  absl::StatusOr<AccountAdmission::Ticket> deep = admission.Enter(7);
  absl::StatusOr<AccountAdmission::Ticket> cheap = admission.Enter(7);
  ASSERT_TRUE(deep.ok() && cheap.ok());
  EXPECT_TRUE(deep->Raise(3).ok());
  EXPECT_EQ(admission.InFlight(7), 4);
  EXPECT_TRUE(deep->Raise(3).ok());  // already that much: no change
  EXPECT_TRUE(deep->Raise(2).ok());  // never lowered while it runs
  EXPECT_EQ(admission.InFlight(7), 4);
  EXPECT_FALSE(admission.Enter(7).ok());
  cheap = AccountAdmission::Ticket();
  // A second deep call does not fit beside the first (3 + 3 > 4) ...
  absl::StatusOr<AccountAdmission::Ticket> second = admission.Enter(7);
  ASSERT_TRUE(second.ok());
  absl::Status refused = second->Raise(3);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(common::RetryAfter(refused), absl::Milliseconds(100));
  EXPECT_EQ(admission.InFlight(7), 4);  // it keeps its one unit
  // ... nor does it affect another account.
  absl::StatusOr<AccountAdmission::Ticket> other = admission.Enter(8);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->Raise(3).ok());
  // The first one ends: all its units come back.
  deep = AccountAdmission::Ticket();
  EXPECT_EQ(admission.InFlight(7), 1);
  EXPECT_TRUE(second->Raise(3).ok());
  AccountAdmission::Ticket moved = *std::move(second);
  EXPECT_EQ(admission.InFlight(7), 3);
  moved = AccountAdmission::Ticket();
  EXPECT_EQ(admission.InFlight(7), 0);
}

TEST(AccountAdmissionTest, ACostAboveTheBudgetIsCappedSoAnAccountAloneGoesOn) {
  AccountAdmission admission(2);
  absl::StatusOr<AccountAdmission::Ticket> deep = admission.Enter(7);
  ASSERT_TRUE(deep.ok());
  EXPECT_TRUE(deep->Raise(5).ok());
  EXPECT_EQ(admission.InFlight(7), 2);
}

TEST(AccountAdmissionTest, WithoutALimitRaisingIsFree) {
  AccountAdmission admission(0);
  absl::StatusOr<AccountAdmission::Ticket> ticket = admission.Enter(1);
  ASSERT_TRUE(ticket.ok());
  EXPECT_TRUE(ticket->Raise(100).ok());
  EXPECT_EQ(admission.InFlight(1), 0);
}

}  // namespace
}  // namespace miniter::rules
