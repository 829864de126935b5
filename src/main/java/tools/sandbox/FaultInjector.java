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
  private final Map<Channel, Duration> latency = new ConcurrentHashMap<>();

  void reset() {
    faults.clear();
    latency.clear();
  }

  void add(Fault fault) {
    faults.add(fault);
  }

  void clear() {
    faults.clear();
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
    return null;
  }

  /** The answer of an HTTP_STATUS or PLATFORM_ERROR fault, in the channel's error shape. */
  static Answer answer(Channel channel, Fault f) {
    String code = f.code();
    if (f.kind() == FaultKind.HTTP_STATUS) {
      int status = f.httpStatus();
      return new Answer(status, switch (channel) {
        case SHOPEE -> ShopeeSandbox.shopeeError(status == 429 ? "error_server" : "error_server",
            status == 429 ? "Too many requests" : "Internal server error");
        case TIKTOK -> TikTokSandbox.tiktokError(status == 429 ? 36009002 : 36009003,
            status == 429 ? "Too many requests" : "Internal error");
        case WHATSAPP, PHONE -> WhatsAppSandbox.whatsAppError(status == 429 ? 130429 : 1,
            status == 429 ? "Rate limit hit" : "Unknown error");
      }, "injected_http_" + status);
    }
    return switch (channel) {
      case SHOPEE -> new Answer(200,
          ShopeeSandbox.shopeeError(code, code.equals("error_server") ? "Too many requests" : "injected"),
          "injected_" + code);
      // TikTok's rate limit comes as HTTP 429 with 36009002 in its envelope
      case TIKTOK -> new Answer(code.equals("36009002") ? 429 : 200, TikTokSandbox.tiktokError(Long.parseLong(code),
          "injected"), "injected_" + code);
      case WHATSAPP, PHONE -> new Answer(400, WhatsAppSandbox.whatsAppError(Integer.parseInt(code), "injected"),
          "injected_" + code);
    };
  }
}
