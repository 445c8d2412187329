package dev.kvstore.cli;

/** How results are printed: for people, or one JSON document per result for scripts. */
enum OutputFormat {
  PLAIN,
  JSON
}
