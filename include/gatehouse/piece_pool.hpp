#pragma once
#include <memory>
#include <string>
#include <vector>

#include "gatehouse/body_source.hpp"

namespace gatehouse {

// Body pieces (kBodyPiece bytes), and strings for message heads, reused
// within one worker. A body in flight takes a piece and gives it back when
// done, so that a request does not cost a 16 KiB malloc and free (glibc
// serves those from its slow bins).
class PiecePool {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(PiecePool* pool, std::unique_ptr<char[]> piece) : pool_(pool), piece_(std::move(piece)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&& o) noexcept {
      give_back();
      pool_ = o.pool_;
      piece_ = std::move(o.piece_);
      return *this;
    }
    ~Lease() { give_back(); }
    char* get() const { return piece_.get(); }
    explicit operator bool() const { return piece_ != nullptr; }

   private:
    void give_back() {
      if (pool_ && piece_) pool_->put(std::move(piece_));
    }
    PiecePool* pool_ = nullptr;
    std::unique_ptr<char[]> piece_;
  };

  // `keep`: how many free pieces are kept at most (the rest are freed).
  explicit PiecePool(std::size_t keep = 256) : keep_(keep) {}
  PiecePool(const PiecePool&) = delete;
  PiecePool& operator=(const PiecePool&) = delete;

  Lease take() {
    if (free_.empty()) return Lease(this, std::unique_ptr<char[]>(new char[kBodyPiece]));
    Lease l(this, std::move(free_.back()));
    free_.pop_back();
    return l;
  }

  // An empty string that keeps the capacity of its earlier uses: a message
  // head is laid out in one while it is written, without a malloc.
  class TextLease {
   public:
    explicit TextLease(PiecePool& pool) : pool_(&pool) {
      if (!pool.free_texts_.empty()) {
        text_ = std::move(pool.free_texts_.back());
        pool.free_texts_.pop_back();
      } else {
        text_.reserve(kTextReserve);
      }
    }
    TextLease(const TextLease&) = delete;
    TextLease& operator=(const TextLease&) = delete;
    ~TextLease() {
      // A string grown past a piece (a head of many fields) is not kept.
      if (pool_->free_texts_.size() < pool_->keep_ && text_.capacity() <= kBodyPiece) {
        text_.clear();
        pool_->free_texts_.push_back(std::move(text_));
      }
    }
    std::string& operator*() { return text_; }
    std::string* operator->() { return &text_; }

   private:
    static constexpr std::size_t kTextReserve = 1024;
    PiecePool* pool_;
    std::string text_;
  };
  TextLease take_text() { return TextLease(*this); }

 private:
  void put(std::unique_ptr<char[]> piece) {
    if (free_.size() < keep_) free_.push_back(std::move(piece));
  }
  std::size_t keep_;
  std::vector<std::unique_ptr<char[]>> free_;
  std::vector<std::string> free_texts_;
};

}  // namespace gatehouse
