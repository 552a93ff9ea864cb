// NEST feeding BIRRD (relative to this file).
-F birrd.f
-F nest.f
nest_birrd.sv
