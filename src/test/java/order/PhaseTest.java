package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The phase names are stored in the ledger's {@code orders.status}, filtered on by the admin API and read by the
 * sweeper's query: renaming or reordering one changes what those show or find.
 */
class PhaseTest {
  @Test
  void existingOrdersShowEveryPhaseButNoneInLifecycleOrder() {
    assertEquals(List.of("NOTIFIED", "RESERVING", "NEEDS_MAPPING", "CONFIRMED", "OUT_OF_STOCK", "SHIPPING", "SHIPPED",
            "DELIVERED", "COMPLETED", "CANCELLING", "CANCELLED", "RETURNED"),
        Phase.ofExistingOrders().stream().map(Phase::name).toList());
  }

  @Test
  void theSweeperWakesThePhasesThatMayWaitForAnAnswer() {
    assertEquals(List.of(Phase.NOTIFIED, Phase.RESERVING, Phase.NEEDS_MAPPING, Phase.OUT_OF_STOCK, Phase.SHIPPING,
            Phase.CANCELLING, Phase.RETURNED),
        Phase.ofExistingOrders().stream().filter(Phase::waitsForSomething).toList());
    assertFalse(Phase.NONE.waitsForSomething(), "an order that does not exist waits for nothing");
  }
}
