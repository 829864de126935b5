package marketplace;

import common.Channel;
import java.util.function.Supplier;

/** The circuit breaker of one configured shop or WhatsApp number: {@code state} reads closed, half-open or open. */
public record ShopBreaker(Channel channel, String shopId, Supplier<String> state) {}
