package dev.kvstore.cli;

import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.api.StatusResponse;
import java.util.ArrayList;
import java.util.List;

/** Renders a cluster status as an aligned text table, one row per member, then the cluster id. */
final class StatusTable {

  private static final List<String> HEADER =
      List.of("ID", "RAFT ADDRESS", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "SNAPSHOT", "ERROR");
  private static final String NONE = "-";

  private StatusTable() {}

  static List<String> render(StatusResponse status) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADER);
    status.getMembersList().forEach(member -> rows.add(row(member)));
    int[] widths = new int[HEADER.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        boolean last = i == row.size() - 1;
        line.append(last ? row.get(i) : pad(row.get(i), widths[i] + 2));
      }
      lines.add(line.toString().stripTrailing());
    }
    lines.add("cluster: " + (status.getClusterId().isEmpty() ? NONE : status.getClusterId()));
    return lines;
  }

  private static List<String> row(MemberStatus member) {
    if (!member.getReachable()) {
      return List.of(member.getId(), member.getRaftAddress(), "UNREACHABLE", NONE, NONE, NONE, NONE,
          NONE, member.getError().isEmpty() ? "did not answer" : member.getError());
    }
    return List.of(
        member.getId(),
        member.getRaftAddress(),
        role(member.getRole()),
        Long.toString(member.getTerm()),
        member.getLeaderId().isEmpty() ? NONE : member.getLeaderId(),
        Long.toString(member.getCommitIndex()),
        Long.toString(member.getAppliedIndex()),
        member.getSnapshotIndex() < 0 ? NONE : Long.toString(member.getSnapshotIndex()),
        member.getError());
  }

  private static String role(MemberRole role) {
    return role == MemberRole.ROLE_UNKNOWN || role == MemberRole.UNRECOGNIZED ? "UNKNOWN" : role.name();
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - text.length()));
  }
}
