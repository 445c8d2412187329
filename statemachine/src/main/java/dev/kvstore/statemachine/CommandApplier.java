package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import java.util.Optional;

/**
 * Applies one command to the store: the deterministic heart of the state machine, free of Raft so
 * that it can be tested directly. Runs on the apply thread only.
 */
final class CommandApplier {

  private final KeyValueStore store;
  private final AppliedRequests applied;
  private final WatchHub hub;

  CommandApplier(KeyValueStore store, AppliedRequests applied, WatchHub hub) {
    this.store = store;
    this.applied = applied;
    this.hub = hub;
  }

  CommandResult apply(Command command) {
    if (command.hasRequestId()) {
      Optional<CommandResult> earlier = applied.find(command.getRequestId());
      if (earlier.isPresent()) {
        return earlier.get().toBuilder().setDuplicate(true).build();
      }
    }
    CommandResult result = execute(command);
    if (command.hasRequestId() && result.getError().isEmpty()) {
      applied.remember(command.getRequestId(), result);
    }
    return result;
  }

  private CommandResult execute(Command command) {
    String invalid = CommandValidation.problem(command);
    if (invalid != null) {
      return CommandResult.newBuilder().setRevision(store.revision()).setError(invalid).build();
    }
    return switch (command.getOpCase()) {
      case PUT -> {
        Event e = store.put(command.getPut().getKey(), command.getPut().getValue());
        hub.publish(e);
        yield result(e.revision(), command.getPut().getPrevKv() ? e.prevKv() : null, 0);
      }
      case DELETE -> {
        Optional<Event> e = store.delete(command.getDelete().getKey());
        e.ifPresent(hub::publish);
        KeyValue prev = e.filter(x -> command.getDelete().getPrevKv()).map(Event::prevKv).orElse(null);
        yield result(store.revision(), prev, e.isPresent() ? 1 : 0);
      }
      case OP_NOT_SET -> throw new IllegalStateException("validated above");
    };
  }

  private static CommandResult result(long revision, KeyValue prev, long deleted) {
    CommandResult.Builder b = CommandResult.newBuilder().setRevision(revision).setDeleted(deleted);
    if (prev != null) {
      b.setPrev(prev.toStored());
    }
    return b.build();
  }

}
