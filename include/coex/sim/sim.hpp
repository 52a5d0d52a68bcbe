#pragma once
// coex::sim — standards-conformant signal generator (umbrella header).
#include "coex/sim/bluetooth.hpp"
#include "coex/coding/coding.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/interferers.hpp"
#include "coex/sim/scenario.hpp"
#include "coex/sim/scene.hpp"
#include "coex/sim/synth.hpp"
#include "coex/sim/waveform.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/zigbee.hpp"
