package dev.kvstore.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A lease id as the CLI shows it: hexadecimal, as etcdctl prints and reads them (an optional
 * {@code 0x} is accepted); positive 63-bit.
 */
final class LeaseIdConverter implements ITypeConverter<Long> {

  @Override
  public Long convert(String value) {
    String digits = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
    long id;
    try {
      id = Long.parseLong(digits, 16);
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a lease id: lease ids are hexadecimal, as"
          + " 'lease grant' prints them (1 to 7fffffffffffffff)");
    }
    if (id <= 0) {
      throw new TypeConversionException("lease id " + value + " is not positive: use 1 to 7fffffffffffffff");
    }
    return id;
  }

  /** How the CLI prints an id. */
  static String text(long id) {
    return Long.toHexString(id);
  }
}
