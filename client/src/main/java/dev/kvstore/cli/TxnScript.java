package dev.kvstore.cli;

import com.google.protobuf.ByteString;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text form of a transaction, as etcdctl's {@code txn}: compares, a blank line, the success
 * ops, a blank line, the failure ops. One compare or op per line; strings in double quotes (with
 * {@code \"}, {@code \\}, {@code \n}, {@code \t} escapes), bare words for the rest.
 *
 * <pre>
 * mod("lock") = "0"                      compare: val, ver, create, mod or lease; = != &lt; &gt;
 * val("config", "config0") != "x"        over the interval [config, config0)
 *
 * put lock "me"                          put [--prev-kv] KEY VALUE
 * get --prefix --limit=10 jobs/          get [--prefix] [--limit=N] [--keys-only] [--count-only] KEY [END]
 * del --prefix tmp/                      del [--prefix] [--prev-kv] KEY [END]
 *
 * get lock
 * </pre>
 *
 * Not thread-safe; one script per instance.
 */
final class TxnScript {

  /** {@code target("key"[, "end"]) op value}. */
  private static final Pattern COMPARE = Pattern.compile(
      "(\\w+)\\(\\s*(\"(?:[^\"\\\\]|\\\\.)*\")\\s*(?:,\\s*(\"(?:[^\"\\\\]|\\\\.)*\")\\s*)?\\)\\s*(==|=|!=|<|>)\\s*(.+)");

  /** The syntax in one line each, for error messages and prompts. */
  static final String COMPARE_SYNTAX =
      "TARGET(\"KEY\"[, \"RANGE_END\"]) OP VALUE, TARGET one of val, ver, create, mod, lease and OP one of = != < >";
  static final String OP_SYNTAX = "put [--prev-kv] KEY VALUE | get [--prefix] [--limit=N] [--keys-only]"
      + " [--count-only] KEY [RANGE_END] | del [--prefix] [--prev-kv] KEY [RANGE_END]";

  private final TxnRequest.Builder txn = TxnRequest.newBuilder();
  /** 0: compares, 1: success ops, 2: failure ops. */
  private int section;
  private int lineNumber;

  /**
   * Takes the next line of the script.
   *
   * @return false once the script is complete (the blank line after the failure ops)
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  boolean line(String line) {
    lineNumber++;
    String text = line.strip();
    if (text.isEmpty()) {
      section++;
      return section <= 2;
    }
    if (section > 2) {
      throw error("a transaction has three parts (compares, success ops, failure ops) separated by blank lines;"
          + " this is a fourth");
    }
    if (section == 0) {
      txn.addCompare(compare(text));
    } else {
      RequestOp op = op(text);
      if (section == 1) {
        txn.addSuccess(op);
      } else {
        txn.addFailure(op);
      }
    }
    return true;
  }

  /** The part the next line belongs to, for prompts: 0 compares, 1 success ops, 2 failure ops, 3 done. */
  int section() {
    return Math.min(section, 3);
  }

  TxnRequest request() {
    return txn.build();
  }

  private Compare compare(String text) {
    Matcher m = COMPARE.matcher(text);
    if (!m.matches()) {
      throw error("not a compare; use " + COMPARE_SYNTAX);
    }
    Compare.Builder c = Compare.newBuilder()
        .setKey(unquote(m.group(2)))
        .setRangeEnd(m.group(3) == null ? "" : unquote(m.group(3)))
        .setResult(switch (m.group(4)) {
          case "=", "==" -> Compare.CompareResult.EQUAL;
          case "!=" -> Compare.CompareResult.NOT_EQUAL;
          case "<" -> Compare.CompareResult.LESS;
          default -> Compare.CompareResult.GREATER;
        });
    String value = m.group(5).strip();
    String operand = value.startsWith("\"") ? single(value) : value;
    switch (m.group(1)) {
      case "val", "value" -> c.setTarget(Compare.CompareTarget.VALUE).setValue(ByteString.copyFromUtf8(operand));
      case "ver", "version" -> c.setTarget(Compare.CompareTarget.VERSION).setVersion(number(operand));
      case "create", "create_revision" -> c.setTarget(Compare.CompareTarget.CREATE)
          .setCreateRevision(number(operand));
      case "mod", "mod_revision" -> c.setTarget(Compare.CompareTarget.MOD).setModRevision(number(operand));
      case "lease" -> c.setTarget(Compare.CompareTarget.LEASE).setLease(number(operand));
      default -> throw error("unknown compare target '" + m.group(1) + "'; use val, ver, create, mod or lease");
    }
    return c.build();
  }

  private RequestOp op(String text) {
    List<String> words = words(text);
    String verb = words.get(0);
    boolean prevKv = false;
    boolean prefix = false;
    boolean keysOnly = false;
    boolean countOnly = false;
    long limit = 0;
    List<String> args = new ArrayList<>();
    for (String word : words.subList(1, words.size())) {
      if (!word.startsWith("--") || !args.isEmpty()) {
        args.add(word);
      } else if (word.equals("--prev-kv") && !verb.equals("get")) {
        prevKv = true;
      } else if (word.equals("--prefix") && !verb.equals("put")) {
        prefix = true;
      } else if (word.equals("--keys-only") && verb.equals("get")) {
        keysOnly = true;
      } else if (word.equals("--count-only") && verb.equals("get")) {
        countOnly = true;
      } else if (word.startsWith("--limit=") && verb.equals("get")) {
        limit = number(word.substring("--limit=".length()));
      } else {
        throw error("option " + word + " is not one of " + verb + "'s; use " + OP_SYNTAX);
      }
    }
    return switch (verb) {
      case "put" -> {
        if (args.size() != 2) {
          throw error("put takes KEY VALUE; use " + OP_SYNTAX);
        }
        yield RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(args.get(0))
            .setValue(ByteString.copyFromUtf8(args.get(1))).setPrevKv(prevKv)).build();
      }
      case "get", "range" -> RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder()
          .setKey(key(verb, args)).setRangeEnd(rangeEnd(args, prefix)).setPrefix(prefix).setLimit(limit)
          .setKeysOnly(keysOnly).setCountOnly(countOnly)).build();
      case "del", "delete" -> RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
          .setKey(key(verb, args)).setRangeEnd(rangeEnd(args, prefix)).setPrefix(prefix).setPrevKv(prevKv)).build();
      default -> throw error("unknown op '" + verb + "'; use " + OP_SYNTAX);
    };
  }

  private String key(String verb, List<String> args) {
    if (args.isEmpty() || args.size() > 2) {
      throw error(verb + " takes KEY [RANGE_END]; use " + OP_SYNTAX);
    }
    return args.get(0);
  }

  private String rangeEnd(List<String> args, boolean prefix) {
    if (args.size() < 2) {
      return "";
    }
    if (prefix) {
      throw error("--prefix and RANGE_END exclude each other");
    }
    return args.get(1).equals("\\0") ? RequestLimits.ALL_FROM_KEY : args.get(1);
  }

  private long number(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw error("'" + text + "' is not a whole number");
    }
  }

  /** The one quoted string {@code text} is. */
  private String single(String text) {
    List<String> words = words(text);
    if (words.size() != 1) {
      throw error("expected one value after the operator, got " + words.size());
    }
    return words.get(0);
  }

  private String unquote(String quoted) {
    return single(quoted);
  }

  /** Splits on blanks; a double-quoted part is one word, with its escapes resolved. */
  private List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"') {
          quoted = false;
        } else if (c == '\\' && i + 1 < text.length()) {
          char next = text.charAt(++i);
          word.append(switch (next) {
            case 'n' -> '\n';
            case 't' -> '\t';
            default -> next;
          });
        } else {
          word.append(c);
        }
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        if (word == null) {
          word = new StringBuilder();
        }
        if (c == '"') {
          quoted = true;
        } else {
          word.append(c);
        }
      }
    }
    if (quoted) {
      throw error("a quoted string is not closed");
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  private IllegalArgumentException error(String message) {
    return new IllegalArgumentException("line " + lineNumber + ": " + message);
  }
}
