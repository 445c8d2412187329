package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.client.Txn;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore txn}: a transaction in etcdctl's text form ({@link TxnScript}), from a file, from
 * standard input, or typed at prompts on a terminal. Prints which branch ran and each op's answer;
 * exits 0 whichever branch ran, as etcdctl does ({@code kvstore cas} exits by the outcome).
 */
@Command(
    name = "txn",
    description = {
        "Runs a transaction: if every compare holds, the success ops, else the failure ops; atomically, all"
            + " writes at one revision. Reads compares, a blank line, success ops, a blank line, failure ops"
            + " (etcdctl's txn format) from --file, standard input, or prompts on a terminal.",
        "Compare: " + TxnScript.COMPARE_SYNTAX + ", e.g. mod(\"lock\") = \"0\".",
        "Op: " + TxnScript.OP_SYNTAX + ".",
        "Exits 0 whichever branch ran; the first line of output says which (SUCCESS or FAILURE)."})
final class TxnCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Option(names = "--file", paramLabel = "PATH", description = "Read the transaction from this file ('-': standard input).")
  private Path file;

  private final CommandContext context;

  TxnCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws IOException {
    TxnResponse response = context.client().txn(Txn.of(read()));
    if (context.format() == OutputFormat.JSON) {
      context.printer().json(json(response));
      return ExitCodes.OK;
    }
    context.printer().line(response.getSucceeded() ? "SUCCESS" : "FAILURE");
    for (ResponseOp op : response.getResponsesList()) {
      context.printer().line("");
      switch (op.getResponseCase()) {
        case RESPONSE_PUT -> context.printer().line("OK");
        case RESPONSE_DELETE_RANGE -> context.printer().line(Long.toString(op.getResponseDeleteRange().getDeleted()));
        case RESPONSE_RANGE -> printRange(op.getResponseRange());
        case RESPONSE_NOT_SET -> context.printer().line("?");
      }
    }
    return ExitCodes.OK;
  }

  private dev.kvstore.api.TxnRequest read() throws IOException {
    boolean prompt = file == null && context.interactive();
    try (BufferedReader in = new BufferedReader(source())) {
      TxnScript script = new TxnScript();
      int prompted = -1;
      while (true) {
        if (prompt && script.section() != prompted && script.section() < 3) {
          prompted = script.section();
          context.err().println(switch (prompted) {
            case 0 -> "compares (" + TxnScript.COMPARE_SYNTAX + "), then a blank line:";
            case 1 -> "success requests (" + TxnScript.OP_SYNTAX + "), then a blank line:";
            default -> "failure requests, then a blank line:";
          });
        }
        String line = in.readLine();
        try {
          if (line == null || !script.line(line)) {
            return script.request();
          }
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), (file == null ? "" : file + ": ") + e.getMessage());
        }
      }
    }
  }

  private Reader source() throws IOException {
    if (file == null || file.toString().equals("-")) {
      return new InputStreamReader(context.in(), StandardCharsets.UTF_8);
    }
    try {
      return Files.newBufferedReader(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ParameterException(spec.commandLine(), "cannot read --file " + file + ": no such file");
    }
  }

  private void printRange(RangeResponse range) {
    if (range.getKvsCount() == 0 && range.getCount() > 0) {
      context.printer().line(Long.toString(range.getCount()));
    }
    for (KeyValue kv : range.getKvsList()) {
      context.printer().line(kv.getKey());
      context.printer().lineWithValue("", kv.getValue(), "");
    }
  }

  private static JsonObject json(TxnResponse response) {
    JsonObject json = new JsonObject();
    json.addProperty("succeeded", response.getSucceeded());
    json.addProperty("revision", response.getHeader().getRevision());
    JsonArray ops = new JsonArray();
    for (ResponseOp op : response.getResponsesList()) {
      JsonObject answer = new JsonObject();
      switch (op.getResponseCase()) {
        case RESPONSE_PUT -> {
          JsonObject put = new JsonObject();
          if (op.getResponsePut().hasPrevKv()) {
            put.add("prev", JsonView.keyValue(op.getResponsePut().getPrevKv()));
          }
          answer.add("put", put);
        }
        case RESPONSE_DELETE_RANGE -> answer.add("delete", deleted(op.getResponseDeleteRange()));
        case RESPONSE_RANGE -> {
          JsonObject range = new JsonObject();
          range.add("kvs", kvs(op.getResponseRange().getKvsList()));
          range.addProperty("count", op.getResponseRange().getCount());
          range.addProperty("more", op.getResponseRange().getMore());
          answer.add("range", range);
        }
        case RESPONSE_NOT_SET -> { }
      }
      ops.add(answer);
    }
    json.add("responses", ops);
    return json;
  }

  /** {@code deleted} and {@code prev_kvs}, as {@code delete --prefix} prints them too. */
  static JsonObject deleted(DeleteRangeResponse response) {
    JsonObject json = new JsonObject();
    json.addProperty("deleted", response.getDeleted());
    json.add("prev_kvs", kvs(response.getPrevKvsList()));
    return json;
  }

  private static JsonArray kvs(java.util.List<KeyValue> kvs) {
    JsonArray array = new JsonArray();
    kvs.forEach(kv -> array.add(JsonView.keyValue(kv)));
    return array;
  }
}
