package sku;

import common.CborSerializable;
import common.Channel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How much each channel shows of a SKU's available stock: a {@link ChannelRule} per channel, applied by
 * {@link #shownQuantities}.
 */
public record PushRules(Map<Channel, ChannelRule> channels) implements CborSerializable {
  public static final PushRules NONE = new PushRules(Map.of());

  public PushRules {
    channels = channels == null ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(nonEmpty(channels)));
  }

  private static Map<Channel, ChannelRule> nonEmpty(Map<Channel, ChannelRule> channels) {
    Map<Channel, ChannelRule> copy = new EnumMap<>(Channel.class);
    channels.forEach((c, r) -> { if (c != null && r != null) copy.put(c, r); });
    return copy;
  }

  public ChannelRule rule(Channel channel) {
    return channels.getOrDefault(channel, ChannelRule.NONE);
  }

  public boolean allocationOn() {
    return channels.values().stream().anyMatch(r -> r.allocation() != null);
  }

  public String validationError() {
    for (var e : channels.entrySet()) {
      String error = e.getValue().validationError();
      if (error != null) return e.getKey().key() + ": " + error;
    }
    return null;
  }

  /**
   * How much one channel shows. Every field is optional: showZeroBelow (show 0 while available is below it),
   * percent (of the channel's quantity, rounded down), maxShown (a fixed ceiling), allocation (units kept for this
   * channel; when any channel has one, channels show disjoint parts of available).
   */
  public record ChannelRule(Integer showZeroBelow, Integer percent, Integer maxShown, Integer allocation)
      implements CborSerializable {
    public static final ChannelRule NONE = new ChannelRule(null, null, null, null);

    public String validationError() {
      if (showZeroBelow != null && showZeroBelow < 0) return "showZeroBelow must be >= 0";
      if (percent != null && (percent < 0 || percent > 100)) return "percent must be between 0 and 100";
      if (maxShown != null && maxShown < 0) return "maxShown must be >= 0";
      if (allocation != null && allocation < 0) return "allocation must be >= 0";
      return null;
    }
  }

  /**
   * What each listing should show (listing key to quantity). Without allocation every listing shows its channel's
   * rule applied to available. With allocation (any channel has one) available is partitioned: channels with an
   * allocation get up to it (in channel order), the rest is split evenly between the other channels that have
   * listings, each channel's rule can only lower its part, and a channel's part is split between its listings, so
   * the shown quantities never add up to more than available. showZeroBelow compares the SKU's available.
   */
  public static Map<String, Integer> shownQuantities(int available, Collection<Listing> listings, PushRules rules) {
    Map<String, Integer> shown = new TreeMap<>();
    if (listings.isEmpty()) return shown;
    int total = Math.max(0, available);
    Map<Channel, List<Listing>> byChannel = new EnumMap<>(Channel.class);
    listings.stream().sorted(Comparator.comparing(Listing::key))
        .forEach(l -> byChannel.computeIfAbsent(l.channel(), c -> new ArrayList<>()).add(l));
    boolean allocationOn = rules.allocationOn();
    Map<Channel, Integer> part = new EnumMap<>(Channel.class);
    if (!allocationOn) {
      byChannel.keySet().forEach(c -> part.put(c, total));
    } else {
      int remaining = total;
      for (Channel c : Channel.values()) {
        Integer allocation = rules.rule(c).allocation();
        if (allocation == null) continue;
        int kept = Math.min(allocation, remaining);
        remaining -= kept;
        if (byChannel.containsKey(c)) part.put(c, kept); // kept for the channel even without listings
      }
      List<Channel> sharing = byChannel.keySet().stream().filter(c -> rules.rule(c).allocation() == null).toList();
      for (int i = 0; i < sharing.size(); i++) {
        part.put(sharing.get(i), remaining / sharing.size() + (i < remaining % sharing.size() ? 1 : 0));
      }
    }
    byChannel.forEach((channel, channelListings) -> {
      ChannelRule rule = rules.rule(channel);
      int x = part.get(channel);
      if (rule.percent() != null) x = (int) ((long) x * rule.percent() / 100);
      if (rule.maxShown() != null) x = Math.min(x, rule.maxShown());
      if (rule.showZeroBelow() != null && total < rule.showZeroBelow()) x = 0;
      int n = channelListings.size();
      for (int i = 0; i < n; i++) {
        int each = allocationOn ? x / n + (i < x % n ? 1 : 0) : x;
        shown.put(channelListings.get(i).key(), each);
      }
    });
    return shown;
  }
}
