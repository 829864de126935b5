package order;

import akka.Done;
import com.typesafe.config.Config;
import common.OrderDetails;
import infra.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import marketplace.BuyerPhones;

/**
 * The {@code buyer_data} table: a buyer's name, phone and shipping address, kept out of the order's journal so they
 * can be erased (Shopee Data Protection Policy §10.6: never longer than 90 days; TikTok's developer terms likewise).
 * Written before the order's event that needs them is persisted; the order's events carry the details without them.
 * Erasure empties the values and stamps {@code erased_at}. JDBC runs on the database's blocking dispatcher.
 */
public final class BuyerDataStore implements BuyerPhones {
  private final Database database;
  private final Duration retention;

  public BuyerDataStore(Database database, Duration retention) {
    if (retention.isNegative() || retention.isZero()) throw new IllegalArgumentException("retention must be positive");
    this.database = database;
    this.retention = retention;
  }

  /** {@code orchestrator.buyer-data.retention} (orders.conf). */
  public static BuyerDataStore from(Database database, Config config) {
    return new BuyerDataStore(database, config.getDuration("orchestrator.buyer-data.retention"));
  }

  public Duration retention() {
    return retention;
  }

  /** True when the details name the buyer (name, phone or address): those go here, not into the journal. */
  public static boolean holdsPersonalData(OrderDetails d) {
    return d != null && (present(d.buyerName()) || present(d.buyerPhone()) || present(d.shippingAddress()));
  }

  /** The details as the journal keeps them: without name, phone and address. */
  public static OrderDetails withoutPersonalData(OrderDetails d) {
    return new OrderDetails(d.channel(), d.shopId(), d.orderId(), d.status(), d.marketStatus(), null, null, null,
        d.currency(), d.totalAmount(), d.lines(), d.createdAt(), d.updatedAt());
  }

  /** What the order's events record of its buyer data: which values are held, and until when. */
  public OrderEvents.BuyerDataHeld held(OrderDetails d, Instant recordedAt) {
    return new OrderEvents.BuyerDataHeld(present(d.buyerName()), present(d.buyerPhone()),
        present(d.shippingAddress()), recordedAt.plus(retention));
  }

  /**
   * Stores the buyer's data of {@code orderKey} (a second delivery of the same order overwrites it, keeping the first
   * erase-after). Completes once it is committed.
   */
  public CompletionStage<Done> record(String orderKey, OrderDetails d, Instant recordedAt) {
    boolean postgres = "postgres".equals(database.profile());
    String sql = postgres
        ? "INSERT INTO buyer_data (order_key, channel, buyer_name, buyer_phone, shipping_address, recorded_at, "
            + "erase_after) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_key) DO UPDATE SET "
            + "buyer_name = EXCLUDED.buyer_name, buyer_phone = EXCLUDED.buyer_phone, "
            + "shipping_address = EXCLUDED.shipping_address WHERE buyer_data.erased_at IS NULL"
        : "MERGE INTO buyer_data t USING (VALUES (CAST(? AS VARCHAR(512)), CAST(? AS VARCHAR(16)), "
            + "CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(32)), CAST(? AS CLOB), "
            + "CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS TIMESTAMP WITH TIME ZONE))) "
            + "s(order_key, channel, buyer_name, buyer_phone, shipping_address, recorded_at, erase_after) "
            + "ON t.order_key = s.order_key WHEN MATCHED AND t.erased_at IS NULL THEN UPDATE SET "
            + "buyer_name = s.buyer_name, buyer_phone = s.buyer_phone, shipping_address = s.shipping_address "
            + "WHEN NOT MATCHED THEN INSERT (order_key, channel, buyer_name, buyer_phone, shipping_address, "
            + "recorded_at, erase_after) VALUES (s.order_key, s.channel, s.buyer_name, s.buyer_phone, "
            + "s.shipping_address, s.recorded_at, s.erase_after)";
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, orderKey);
        s.setString(2, d.channel() == null ? "" : d.channel().key());
        s.setString(3, cut(d.buyerName(), 255));
        s.setString(4, cut(d.buyerPhone(), 32));
        s.setString(5, d.shippingAddress());
        s.setTimestamp(6, Timestamp.from(recordedAt));
        s.setTimestamp(7, Timestamp.from(recordedAt.plus(retention)));
        s.executeUpdate();
        return Done.getInstance();
      }
    });
  }

  /** The buyer's name, unless unknown or erased (the order's events carry none since buyer data left the journal). */
  public CompletionStage<Optional<String>> nameOf(String orderKey) {
    return held(orderKey, "buyer_name").thenApply(name -> name.filter(n -> !n.isBlank()));
  }

  /** The buyer's phone (digits), unless unknown or erased. */
  @Override
  public CompletionStage<Optional<String>> phoneOf(String orderKey) {
    return held(orderKey, "buyer_phone")
        .thenApply(phone -> phone.map(p -> p.replaceAll("[^0-9]", "")).filter(p -> !p.isEmpty()));
  }

  /** One column of the order's row while it is held (not erased); {@code column} is one of this class's own. */
  private CompletionStage<Optional<String>> held(String orderKey, String column) {
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT " + column + " FROM buyer_data WHERE order_key = ? AND erased_at IS NULL")) {
        s.setString(1, orderKey);
        try (ResultSet rs = s.executeQuery()) {
          return Optional.ofNullable(rs.next() ? rs.getString(1) : null);
        }
      }
    });
  }

  /**
   * Erases what is past its retention: the rows of this table, and the copies older orders left elsewhere (the
   * ledger's buyer columns of orders recorded before this table existed, and WhatsApp buyers' texts in
   * inbound_messages). Answers the number of orders whose data this store held and erased.
   */
  public CompletionStage<Integer> eraseExpired(Instant now) {
    Timestamp cutoff = Timestamp.from(now.minus(retention));
    return database.withConnection(c -> {
      int erased;
      try (PreparedStatement s = c.prepareStatement("UPDATE buyer_data SET buyer_name = NULL, buyer_phone = NULL, "
          + "shipping_address = NULL, erased_at = ? WHERE erase_after <= ? AND erased_at IS NULL")) {
        s.setTimestamp(1, Timestamp.from(now));
        s.setTimestamp(2, Timestamp.from(now));
        erased = s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("UPDATE orders SET buyer_name = NULL, buyer_phone = NULL "
          + "WHERE created_at <= ? AND (buyer_name IS NOT NULL OR buyer_phone IS NOT NULL)")) {
        s.setTimestamp(1, cutoff);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("DELETE FROM inbound_messages WHERE received_at <= ?")) {
        s.setTimestamp(1, cutoff);
        s.executeUpdate();
      }
      return erased;
    });
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }

  private static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max);
  }
}
