// adapter_test_fixture.h: the gRPC adapter (MiniterService) over mocked
// stores, served in process on 127.0.0.1:0 with a stub to it: the setting
// of the adapter's tests (miniter_service_test, call_log_interceptor_test).
#ifndef MINITER_TESTS_UNIT_ADAPTER_TEST_FIXTURE_H_
#define MINITER_TESTS_UNIT_ADAPTER_TEST_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/api/miniter_service.h"
#include "server/storage/mocks/mock_stores.h"

namespace miniter::api {

class AdapterTest : public ::testing::Test {
 protected:
  using Interceptors = std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>;

  // Rules with a cheap password hash and a fixed token key over the mocks,
  // served with `interceptors` installed.
  void StartServer(Interceptors interceptors = {}) {
    tokens_ =
        *rules::TokenService::Create(std::string(32, 'k'), absl::Hours(1));
    rules::MiniterRules::Dependencies deps;
    deps.users = users_;
    deps.tweets = tweets_;
    deps.follows = follows_;
    rules::PasswordHasherOptions cheap;
    cheap.ops_limit = 1;
    cheap.mem_limit_bytes = 8192;
    deps.password_hasher = std::make_shared<rules::PasswordHasher>(cheap);
    deps.tokens = tokens_;
    service_ = std::make_unique<MiniterService>(
        std::make_shared<rules::MiniterRules>(std::move(deps)));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    if (!interceptors.empty()) {
      builder.experimental().SetInterceptorCreators(std::move(interceptors));
    }
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = miniter::v1::Miniter::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::shared_ptr<::testing::NiceMock<storage::MockUserStore>> users_ =
      std::make_shared<::testing::NiceMock<storage::MockUserStore>>();
  std::shared_ptr<::testing::NiceMock<storage::MockTweetStore>> tweets_ =
      std::make_shared<::testing::NiceMock<storage::MockTweetStore>>();
  std::shared_ptr<::testing::NiceMock<storage::MockFollowStore>> follows_ =
      std::make_shared<::testing::NiceMock<storage::MockFollowStore>>();
  std::shared_ptr<const rules::TokenService> tokens_;
  std::unique_ptr<MiniterService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<miniter::v1::Miniter::Stub> stub_;
};

}  // namespace miniter::api

#endif  // MINITER_TESTS_UNIT_ADAPTER_TEST_FIXTURE_H_
