// BIRRD: the package, the 2x2 EGG switch and the network. Paths are relative to this file
// (verilator -F rtl/birrd.f from anywhere).
feather_pkg.sv
egg.sv
birrd.sv
