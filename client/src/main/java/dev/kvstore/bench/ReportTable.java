package dev.kvstore.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A table of results, rendered as aligned text (the first column left-aligned, the others, numbers,
 * right-aligned) or as a Markdown table, so that a terminal and docs/benchmarks.md show the same.
 */
public final class ReportTable {

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public ReportTable(List<String> header) {
    if (header.isEmpty()) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    this.header = List.copyOf(header);
  }

  /**
   * Adds a row.
   *
   * @throws IllegalArgumentException when it does not have one cell per column
   */
  public ReportTable row(List<String> cells) {
    if (cells.size() != header.size()) {
      throw new IllegalArgumentException("a row needs " + header.size() + " cells, got " + cells.size());
    }
    rows.add(List.copyOf(cells));
    return this;
  }

  /** The header and the rows as lines of aligned text, columns two spaces apart, no trailing blanks. */
  public List<String> plain() {
    int[] widths = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        String padding = " ".repeat(widths[i] - cell.length());
        if (i > 0) {
          line.append("  ").append(padding).append(cell);
        } else {
          line.append(cell).append(padding);
        }
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }

  /** The table in Markdown, numbers right-aligned. */
  public List<String> markdown() {
    List<String> lines = new ArrayList<>();
    lines.add(markdownRow(header));
    StringBuilder rule = new StringBuilder("|");
    for (int i = 0; i < header.size(); i++) {
      rule.append(i == 0 ? "---|" : "---:|");
    }
    lines.add(rule.toString());
    rows.forEach(row -> lines.add(markdownRow(row)));
    return lines;
  }

  private static String markdownRow(List<String> cells) {
    StringBuilder line = new StringBuilder("|");
    for (String cell : cells) {
      line.append(' ').append(cell.replace("|", "\\|")).append(" |");
    }
    return line.toString();
  }
}
