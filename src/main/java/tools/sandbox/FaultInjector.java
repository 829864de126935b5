package tools.sandbox;

import common.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.sandbox.Sandbox.Fault;
import tools.sandbox.Sandbox.FaultKind;

/** The faults tests inject into the stand-ins' answers and the latency they add to a channel's calls. */
final class FaultInjector {
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  /** Platform errors answered to a random fraction of matching calls until cleared. */
  private record RateFault(Fault fault, double fraction) {}
  private final List<RateFault> rates = new CopyOnWriteArrayList<>();
  private final Map<Channel, Duration> latency = new ConcurrentHashMap<>();

  void reset() {
    faults.clear();
    rates.clear();
    latency.clear();
  }

  void add(Fault fault) {
    faults.add(fault);
  }

  void clear() {
    faults.clear();
    rates.clear();
  }

  void addRate(Fault fault, double fraction) {
    rates.add(new RateFault(fault, fraction));
  }

  int count() {
    return faults.size();
  }

  void setLatency(Channel channel, Duration delay) {
    latency.put(channel, delay);
  }

  Duration latency(Channel channel) {
    return latency.getOrDefault(channel, Duration.ZERO);
  }

  /** The first fault for this call that has times left, counting one off; null if none. */
  Fault take(Channel channel, String path) {
    for (Fault f : faults) {
      if (f.channel() == channel && (f.pathContains() == null || path.contains(f.pathContains()))
          && f.remaining().getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        return f;
      }
    }
    for (RateFault r : rates) {
      Fault f = r.fault();
      if (f.channel() == channel && (f.pathContains() == null || path.contains(f.pathContains()))
          && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < r.fraction()) {
        return f;
      }
    }
    return null;
  }

  static final String RATE_LIMIT_MESSAGE =
      "Too many requests. You have reached the rate limit. Please try again later.";

  private static String shopeeMessage(String code) {
    return switch (code) {
      case "error_rate_limit" -> RATE_LIMIT_MESSAGE;
      case "error_limit" -> "The total API call number made by your APP has reached the daily API call limit, "
          + "please try again after 00: 00 (UTC+08:00)";
      case "error_server" -> "Too many requests";
      case "error_system_busy" -> "System busy, please try again later.";
      default -> "injected";
    };
  }

  /** The answer of an HTTP_STATUS or PLATFORM_ERROR fault, in the channel's error shape. */
  static Answer answer(Channel channel, Fault f) {
    String code = f.code();
    if (f.kind() == FaultKind.HTTP_STATUS) {
      int status = f.httpStatus();
      return new Answer(status, switch (channel) {
        case SHOPEE -> ShopeeSandbox.shopeeError(status == 429 ? "error_rate_limit" : "error_server",
            status == 429 ? RATE_LIMIT_MESSAGE : "Internal server error");
        case TIKTOK -> TikTokSandbox.tiktokError(status == 429 ? 36009002 : 36009003,
            status == 429 ? "Too many requests" : "Internal error");
        case WHATSAPP, PHONE -> WhatsAppSandbox.whatsAppError(status == 429 ? 130429 : 1,
            status == 429 ? "Rate limit hit" : "Unknown error");
      }, "injected_http_" + status);
    }
    return switch (channel) {
      // Shopee: HTTP 200 with the error in the envelope (MARKETPLACES.md: the HTTP status of each error is not
      // documented; the client must branch on `error`), outcome the bare code so calls() gives a success rate.
      case SHOPEE -> new Answer(200, ShopeeSandbox.shopeeError(code, shopeeMessage(code)), code);
      // TikTok's rate limit comes as HTTP 429 with 36009002 in its envelope
      case TIKTOK -> new Answer(code.equals("36009002") ? 429 : 200, TikTokSandbox.tiktokError(Long.parseLong(code),
          "injected"), "injected_" + code);
      case WHATSAPP, PHONE -> new Answer(400, WhatsAppSandbox.whatsAppError(Integer.parseInt(code), "injected"),
          "injected_" + code);
    };
  }
}
