#include "smtp/transaction.h"

namespace odmr::smtp {

OpenMessage& OpenMessage::operator=(OpenMessage&& other) noexcept {
    if (this != &other) {
        abort();
        sink_ = std::exchange(other.sink_, nullptr);
        digest_ = std::move(other.digest_);
    }
    return *this;
}

asio::awaitable<Status> OpenMessage::commit() {
    if (sink_ == nullptr) co_return make_error(Errc::software, "commit without an open message");
    auto committed = co_await sink_->commit();
    if (committed)
        sink_ = nullptr;
    else
        abort();
    co_return committed;
}

void OpenMessage::abort() {
    if (sink_ != nullptr) std::exchange(sink_, nullptr)->abort();
}

}  // namespace odmr::smtp
