// The whole accelerator in compilation order, the package first (relative to this file:
// verilator -F rtl/feather.f). Every RTL check, CMake and the FPGA flows read the sources from
// here (verif/rtl/common.sh rtl_sources, cmake/filelist.cmake), so a module cannot be left out.
-F nest_birrd.f
feather_mem.sv
feather_addr.sv
feather_bank_arb.sv
feather_vn_reader.sv
feather_requant.sv
feather_quant_lane.sv
feather_decoder.sv
feather_controller.sv
feather_mem_engine.sv
feather_buffers.sv
feather_map_engine.sv
feather_stream_engine.sv
feather_meta_pipe.sv
feather_out_engine.sv
feather_top.sv
