// feather_pkg: the constants and size functions shared by the FEATHER RTL.
//
// One place for what used to be typed in several modules: the opcodes, error
// codes and Load/Store targets of the instruction set (docs/isa.md; the C++
// side is sw/include/feather/top/isa.hpp, and the `rtl.pkg_constants` test
// checks that both agree), the BIRRD stage count, the widths of the
// instruction fields, the pipeline latencies and the packing of the layout
// and mapping-context descriptors that the controller hands to the engines.
//
// Toolchain subset (shared/reference/toolchain.md section 7): modules use the
// package only as `feather_pkg::Name` and `feather_pkg::func()`, never through
// `import` (Yosys 0.23 rejects it) and never with struct types (Icarus 11
// aborts); functions assign to their own name instead of using `return`.

package feather_pkg;

  ///////////////////////////
  // Instruction set       //
  ///////////////////////////

  // Opcodes (instruction bits [2:0]).
  localparam int OpW = 3;
  localparam logic [2:0] OpSetW   = 3'd0;  // SetWVNLayout (stationary buffer)
  localparam logic [2:0] OpSetI   = 3'd1;  // SetIVNLayout (streaming buffer)
  localparam logic [2:0] OpSetO   = 3'd2;  // SetOVNLayout (output buffer)
  localparam logic [2:0] OpStream = 3'd3;  // ExecuteStreaming
  localparam logic [2:0] OpStore  = 3'd4;
  localparam logic [2:0] OpLoad   = 3'd5;
  localparam logic [2:0] OpConfig = 3'd6;
  localparam logic [2:0] OpMap    = 3'd7;  // ExecuteMapping

  // Error codes (err_o), in the order the golden model names them.
  localparam int ErrW = 4;
  localparam logic [3:0] ErrNone        = 4'd0;
  localparam logic [3:0] ErrField       = 4'd1;
  localparam logic [3:0] ErrLayoutRange = 4'd2;
  localparam logic [3:0] ErrState       = 4'd3;
  localparam logic [3:0] ErrSConflict   = 4'd4;
  localparam logic [3:0] ErrWConflict   = 4'd5;
  localparam logic [3:0] ErrOConflict   = 4'd6;
  localparam logic [3:0] ErrOMissing    = 4'd7;
  localparam logic [3:0] ErrMemRange    = 4'd8;
  localparam logic [3:0] ErrQRange      = 4'd9;

  // Load/Store targets.
  localparam int TgtW = 3;
  localparam logic [2:0] TgtWbuf      = 3'd0;  // stationary buffer
  localparam logic [2:0] TgtSbufCur   = 3'd1;  // streaming buffer, active half
  localparam logic [2:0] TgtSbufNext  = 3'd2;  // streaming buffer, inactive half
  localparam logic [2:0] TgtScale     = 3'd3;  // requantization scales (Load only)
  localparam logic [2:0] TgtOzp       = 3'd4;  // requantization zero points (Load only)
  localparam logic [2:0] TgtLut       = 3'd5;  // activation table, 256 bytes (Load only)

  // Layout orders 0..LastOrder are legal.
  localparam logic [2:0] LastOrder = 3'd5;
  // Config: zero points of the activations and weights (8 bits each), the swap bit, the
  // requantization clamp: its enable bit, qlo, qhi (8 bits each; off = [0, 255]), and the
  // activation-table bit.
  localparam int CfgW = 35;
  // The window of SetIVNLayout (direct convolution): its stride field.
  localparam int WinStW = 3;

  ///////////////////////////
  // Sizes                 //
  ///////////////////////////

  // BIRRD stages for AW lanes: Benes (WIRING 1) 2*log2(AW) - 1; the published FEATHER wiring
  // (WIRING 0) 2*log2(AW), 3 for AW = 4.
  function automatic int birrd_stages(input int aw, input int wiring);
    if (wiring == 0) birrd_stages = (aw == 4) ? 3 : 2 * $clog2(aw);
    else birrd_stages = 2 * $clog2(aw) - 1;
  endfunction

  // Lines of the activation table (256 bytes, AW per line).
  function automatic int lut_lines(input int aw);
    lut_lines = (aw >= 256) ? 1 : 256 / aw;
  endfunction

  function automatic int max_int(input int a, input int b);
    max_int = (a > b) ? a : b;
  endfunction

  // Line field (LA): addresses a line of the deepest buffer.
  function automatic int line_width(input int sd, input int wd, input int od);
    line_width = $clog2(max_int(sd, max_int(wd, od)));
  endfunction

  // Index and factor fields (XW): a line times the banks.
  function automatic int index_width(input int aw, input int sd, input int wd, input int od);
    index_width = line_width(sd, wd, od) + $clog2(aw);
  endfunction

  // f0log field (FLW): 0 .. XW.
  function automatic int f0log_width(input int xw);
    f0log_width = $clog2(xw + 1);
  endfunction

  // grlog/gclog fields (GLW): 0 .. log2(AW).
  function automatic int glog_width(input int aw);
    glog_width = $clog2($clog2(aw) + 1);
  endfunction

  // vnm1 field and element index (VW): 0 .. AH-1, at least one bit.
  function automatic int vn_width(input int ah);
    vn_width = ($clog2(ah) > 0) ? $clog2(ah) : 1;
  endfunction

  // The streaming window (fields from bit 0 up): on [1], ih [XW], iw [XW], stride [WinStW].
  // SetIVNLayout carries it after the layout fields; the controller holds it beside LI.
  function automatic int win_width(input int xw);
    win_width = 1 + 2 * xw + WinStW;
  endfunction

  // Payload widths of the instruction formats (after the opcode) and the instruction width.
  function automatic int instr_width(input int ah, input int aw, input int wiring, input int sd,
                                     input int wd, input int od, input int maw);
    int xw, la, w_set, w_es, w_ls, w_em;
    xw = index_width(aw, sd, wd, od);
    la = line_width(sd, wd, od);
    w_set = 3 + f0log_width(xw) + 2 * xw + la + win_width(xw) + la;  // ..., window, qoff
    w_es  = 3 * xw + 2 + birrd_stages(aw, wiring) * aw + aw + 2 * (xw + 1);
    w_ls  = 3 + la + xw + maw;
    w_em  = 2 * xw + 2 * glog_width(aw) + vn_width(ah);
    instr_width = OpW + max_int(max_int(w_set, w_es), max_int(max_int(w_ls, CfgW), w_em));
  endfunction

  ///////////////////////////
  // Timing                //
  ///////////////////////////

  // From a stream beat's address cycle c: buffer read at the edge of c, NEST act_i in c+1,
  // row r's column sum at the BIRRD input in c + RowLat + r, BIRRD's output STAGES later.
  localparam int RowLat = 6;
  // Metadata shift-register entries: row r's entry is scheduled at position
  // r + RowLat - 1 + STAGES when its step's last beat issues.
  function automatic int meta_depth(input int ah, input int stages);
    meta_depth = ah + RowLat - 1 + stages;
  endfunction

  ///////////////////////////
  // Descriptors           //
  ///////////////////////////

  // A layout as the controller holds it (fields from bit 0 up):
  //   f0log [FLW], f1 [XW], f2 [XW], base [LA], st0 [XW], st1 [XW], st2 [XW]
  // (st0..st2 are the digit strides computed when the layout is set).
  function automatic int layout_width(input int xw, input int la);
    layout_width = f0log_width(xw) + 5 * xw + la;
  endfunction

  // A mapping context (fields from bit 0 up): j0 [XW], n0 [XW], grlog [GLW], gclog [GLW],
  // vnm1 [VW]. The controller packs it and the engines unpack it with these lowest-bit
  // offsets (ctx[CtxJ0Lsb +: XW], ctx[ctx_n0_lsb(XW) +: XW], ...), so the field order is
  // written only here.
  localparam int CtxJ0Lsb = 0;

  function automatic int ctx_n0_lsb(input int xw);
    ctx_n0_lsb = CtxJ0Lsb + xw;
  endfunction

  function automatic int ctx_grlog_lsb(input int xw);
    ctx_grlog_lsb = ctx_n0_lsb(xw) + xw;
  endfunction

  function automatic int ctx_gclog_lsb(input int xw, input int aw);
    ctx_gclog_lsb = ctx_grlog_lsb(xw) + glog_width(aw);
  endfunction

  function automatic int ctx_vnm1_lsb(input int xw, input int aw);
    ctx_vnm1_lsb = ctx_gclog_lsb(xw, aw) + glog_width(aw);
  endfunction

  function automatic int ctx_width(input int xw, input int aw, input int ah);
    ctx_width = ctx_vnm1_lsb(xw, aw) + vn_width(ah);
  endfunction

endpackage
