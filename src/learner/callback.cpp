#include "strata/learner/callback.h"

namespace strata {

const char* event_name(Event e) {
  switch (e) {
    case Event::after_create: return "after_create";
    case Event::before_fit: return "before_fit";
    case Event::before_epoch: return "before_epoch";
    case Event::before_train: return "before_train";
    case Event::before_batch: return "before_batch";
    case Event::after_pred: return "after_pred";
    case Event::after_loss: return "after_loss";
    case Event::before_backward: return "before_backward";
    case Event::after_cancel_backward: return "after_cancel_backward";
    case Event::after_backward: return "after_backward";
    case Event::before_step: return "before_step";
    case Event::after_cancel_step: return "after_cancel_step";
    case Event::after_step: return "after_step";
    case Event::after_cancel_batch: return "after_cancel_batch";
    case Event::after_batch: return "after_batch";
    case Event::after_cancel_train: return "after_cancel_train";
    case Event::after_train: return "after_train";
    case Event::before_validate: return "before_validate";
    case Event::after_cancel_validate: return "after_cancel_validate";
    case Event::after_validate: return "after_validate";
    case Event::after_cancel_epoch: return "after_cancel_epoch";
    case Event::after_epoch: return "after_epoch";
    case Event::after_cancel_fit: return "after_cancel_fit";
    case Event::after_fit: return "after_fit";
  }
  return "?";
}

void Callback::handle(Event e, Learner& l) {
  switch (e) {
    case Event::after_create: after_create(l); break;
    case Event::before_fit: before_fit(l); break;
    case Event::before_epoch: before_epoch(l); break;
    case Event::before_train: before_train(l); break;
    case Event::before_batch: before_batch(l); break;
    case Event::after_pred: after_pred(l); break;
    case Event::after_loss: after_loss(l); break;
    case Event::before_backward: before_backward(l); break;
    case Event::after_cancel_backward: after_cancel_backward(l); break;
    case Event::after_backward: after_backward(l); break;
    case Event::before_step: before_step(l); break;
    case Event::after_cancel_step: after_cancel_step(l); break;
    case Event::after_step: after_step(l); break;
    case Event::after_cancel_batch: after_cancel_batch(l); break;
    case Event::after_batch: after_batch(l); break;
    case Event::after_cancel_train: after_cancel_train(l); break;
    case Event::after_train: after_train(l); break;
    case Event::before_validate: before_validate(l); break;
    case Event::after_cancel_validate: after_cancel_validate(l); break;
    case Event::after_validate: after_validate(l); break;
    case Event::after_cancel_epoch: after_cancel_epoch(l); break;
    case Event::after_epoch: after_epoch(l); break;
    case Event::after_cancel_fit: after_cancel_fit(l); break;
    case Event::after_fit: after_fit(l); break;
  }
}

}  // namespace strata
