#pragma once
/// fastai's Callback: hooks into every event of the training loop, run in `order`.

#include <memory>
#include <stdexcept>
#include <string>

namespace strata {

class Learner;

/// Every event of fastai's loop, in the order a training epoch meets them.
enum class Event {
  after_create, before_fit, before_epoch, before_train, before_batch, after_pred, after_loss, before_backward,
  after_cancel_backward, after_backward, before_step, after_cancel_step, after_step, after_cancel_batch, after_batch,
  after_cancel_train, after_train, before_validate, after_cancel_validate, after_validate, after_cancel_epoch,
  after_epoch, after_cancel_fit, after_fit
};
const char* event_name(Event event);

/// Control-flow signals a callback throws to skip part of the loop (fastai Cancel*Exception).
/// They are not errors: only Learner catches them.
class CancelSignal : public std::exception {
 public:
  const char* what() const noexcept override { return "cancel"; }
};
class CancelBatch : public CancelSignal {};
class CancelTrain : public CancelSignal {};
class CancelValid : public CancelSignal {};
class CancelEpoch : public CancelSignal {};
class CancelFit : public CancelSignal {};
class CancelStep : public CancelSignal {};
class CancelBackward : public CancelSignal {};

/// Override the events you need; each receives the Learner, whose state (epoch, iter,
/// pct_train, pred, loss, xb, yb, training, ...) it may read and change.
class Callback {
 public:
  virtual ~Callback() = default;
  /// fastai's name: the class name in snake case without "Callback" (e.g. "recorder").
  virtual std::string name() const = 0;
  /// Lower runs first (fastai order; TrainEval -10, Recorder 50, ParamScheduler 60, ...).
  virtual int order() const { return 0; }
  /// Run during training batches / validation batches (fastai run_train / run_valid).
  virtual bool run_train() const { return true; }
  virtual bool run_valid() const { return true; }

  virtual void after_create(Learner&) {}
  virtual void before_fit(Learner&) {}
  virtual void before_epoch(Learner&) {}
  virtual void before_train(Learner&) {}
  virtual void before_batch(Learner&) {}
  virtual void after_pred(Learner&) {}
  virtual void after_loss(Learner&) {}
  virtual void before_backward(Learner&) {}
  virtual void after_cancel_backward(Learner&) {}
  virtual void after_backward(Learner&) {}
  virtual void before_step(Learner&) {}
  virtual void after_cancel_step(Learner&) {}
  virtual void after_step(Learner&) {}
  virtual void after_cancel_batch(Learner&) {}
  virtual void after_batch(Learner&) {}
  virtual void after_cancel_train(Learner&) {}
  virtual void after_train(Learner&) {}
  virtual void before_validate(Learner&) {}
  virtual void after_cancel_validate(Learner&) {}
  virtual void after_validate(Learner&) {}
  virtual void after_cancel_epoch(Learner&) {}
  virtual void after_epoch(Learner&) {}
  virtual void after_cancel_fit(Learner&) {}
  virtual void after_fit(Learner&) {}

  /// Calls the handler of `event`.
  void handle(Event event, Learner& learn);
};

using CallbackPtr = std::shared_ptr<Callback>;

}  // namespace strata
