package dev.kvstore.statemachine;

/** A read asked for a revision the store cannot answer at: compacted, or not reached yet. */
public abstract class RevisionUnavailableException extends Exception {

  private static final long serialVersionUID = 1L;

  RevisionUnavailableException(String message) {
    super(message);
  }
}
