// health_service.cc: Check, Watch and the shutdown that ends the Watch
// streams (see health_service.h).
#include "server/app/health_service.h"

#include <utility>

namespace miniter::app {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch stream. Owned by itself (self_) from Watch() to OnDone(); the
// service holds weak pointers and locks one while it pushes a status, so a
// stream is never deleted under a push. No lock is held while calling into
// gRPC (StartWrite, Finish), which may run reactions on other threads.
class HealthService::Watcher
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService* service, std::string name)
      : service_(service), name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  void Start(std::shared_ptr<Watcher> self, ServingStatus status, bool last) {
    {
      absl::MutexLock lock(&mu_);
      self_ = std::move(self);
    }
    Push(status, last);
  }

  // Sends `status` if it differs from the last one sent (or queued); with
  // `last`, finishes the stream once it is sent.
  void Push(ServingStatus status, bool last) {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      if (finish_called_ || cancelled_) return;
      if (last) finishing_ = true;
      if (status != newest_ || !sent_any_) {
        newest_ = status;
        sent_any_ = true;
        queued_ = true;
      }
      action = NextLocked();
    }
    Do(action);
  }

  void OnWriteDone(bool ok) override {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) cancelled_ = true;
      action = NextLocked();
    }
    Do(action);
  }

  void OnCancel() override {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      action = NextLocked();
    }
    Do(action);
  }

  void OnDone() override {
    service_->Remove(this);
    std::shared_ptr<Watcher> self;
    {
      absl::MutexLock lock(&mu_);
      self.swap(self_);
    }
    // `self` may be the last owner: nothing of this object is touched
    // after it goes.
  }

 private:
  enum class Action { kNone, kWrite, kFinishOk, kFinishCancelled };

  // What to do next: one write at a time, then Finish exactly once (at
  // once when cancelled, after the queue drains when finishing).
  Action NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finish_called_) return Action::kNone;
    if (cancelled_) {
      finish_called_ = true;
      return Action::kFinishCancelled;
    }
    if (queued_) {
      queued_ = false;
      writing_ = true;
      response_.set_status(newest_);
      return Action::kWrite;
    }
    if (finishing_) {
      finish_called_ = true;
      return Action::kFinishOk;
    }
    return Action::kNone;
  }

  // Called without mu_: gRPC may run other reactions meanwhile.
  void Do(Action action) {
    switch (action) {
      case Action::kNone: break;
      case Action::kWrite: StartWrite(&response_); break;
      case Action::kFinishOk: Finish(grpc::Status::OK); break;
      case Action::kFinishCancelled: Finish(grpc::Status::CANCELLED); break;
    }
  }

  HealthService* const service_;
  const std::string name_;
  absl::Mutex mu_;
  std::shared_ptr<Watcher> self_ ABSL_GUARDED_BY(mu_);
  HealthCheckResponse response_;  // owned by gRPC while writing_
  ServingStatus newest_ ABSL_GUARDED_BY(mu_) = HealthCheckResponse::UNKNOWN;
  bool sent_any_ ABSL_GUARDED_BY(mu_) = false;
  bool queued_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
};

HealthService::HealthService() { serving_[""] = true; }

HealthService::~HealthService() = default;

HealthService::ServingStatus HealthService::StatusOf(
    const std::string& service) const {
  if (shut_down_) return HealthCheckResponse::NOT_SERVING;
  auto it = serving_.find(service);
  if (it == serving_.end()) return HealthCheckResponse::SERVICE_UNKNOWN;
  return it->second ? HealthCheckResponse::SERVING
                    : HealthCheckResponse::NOT_SERVING;
}

void HealthService::SetServing(const std::string& service, bool serving) {
  SetServing(std::vector<std::string>{service}, serving);
}

void HealthService::SetServing(const std::vector<std::string>& services,
                               bool serving) {
  std::vector<const std::string*> changed;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    for (const std::string& service : services) {
      auto [it, inserted] = serving_.emplace(service, serving);
      if (!inserted && it->second == serving) continue;
      it->second = serving;
      changed.push_back(&service);
    }
  }
  for (const std::string* service : changed) Notify(service);
}

void HealthService::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  Notify(nullptr);
}

void HealthService::Notify(const std::string* service) {
  std::vector<std::shared_ptr<Watcher>> targets;
  bool last = false;
  {
    absl::MutexLock lock(&mu_);
    last = shut_down_;
    for (const std::weak_ptr<Watcher>& weak : watchers_) {
      std::shared_ptr<Watcher> watcher = weak.lock();
      if (watcher == nullptr) continue;
      if (service == nullptr || watcher->name() == *service) {
        targets.push_back(std::move(watcher));
      }
    }
  }
  for (const std::shared_ptr<Watcher>& watcher : targets) {
    ServingStatus status;
    {
      absl::MutexLock lock(&mu_);
      status = StatusOf(watcher->name());
    }
    watcher->Push(status, last);
  }
}

void HealthService::Remove(const Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    std::shared_ptr<Watcher> held = it->lock();
    if (held == nullptr || held.get() == watcher) {
      it = watchers_.erase(it);
    } else {
      ++it;
    }
  }
}

grpc::ServerUnaryReactor* HealthService::Check(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request,
    HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ServingStatus status;
  {
    absl::MutexLock lock(&mu_);
    status = StatusOf(request->service());
  }
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* /*context*/,
    const HealthCheckRequest* request) {
  auto watcher = std::make_shared<Watcher>(this, request->service());
  ServingStatus status;
  bool last = false;
  {
    absl::MutexLock lock(&mu_);
    watchers_.push_back(watcher);
    status = StatusOf(request->service());
    last = shut_down_;
  }
  Watcher* raw = watcher.get();
  raw->Start(std::move(watcher), status, last);
  return raw;
}

}  // namespace miniter::app
