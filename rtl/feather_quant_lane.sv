// feather_quant_lane: one output lane's requantization: its copy of the
// requantization tables and feather_requant.
//
// The tables hold QD signed 32-bit scales and QD 8-bit output zero points.
// Every lane reads one entry of each in the same cycle, and a Load beat writes
// AW/4 scale words or AW ozp bytes (AW/4 words of four bytes). So every lane
// keeps its own copy, split into NQB = AW/4 banks by word index modulo NQB:
// beat word j goes to bank j at the beat's address, so each bank has one
// write port and one combinational read port (distributed RAM on FPGAs,
// feather_mem SYNC = 0). This behaves exactly like one flip-flop table: a read
// in the cycle of a write returns the old entry. Scale entry qn is word qn of
// bank qn % NQB; ozp byte qn is byte qn % 4 of word qn / 4, in bank
// (qn / 4) % NQB. Memories, not reset (loaded by Load before use).

module feather_quant_lane #(
  parameter int  AW  = 4,   // lanes, power of two >= 4
  parameter int  QD  = 64,  // entries, a multiple of AW
  localparam int AWL = $clog2(AW),
  localparam int QW  = (QD > 1) ? $clog2(QD) : 1,
  localparam int NQB = (AW >= 4) ? (AW / 4) : 1,  // banks of the copy
  localparam int SBD = QD / NQB,                  // scale words per bank, >= 4
  localparam int ZBD = QD / AW,                   // ozp words per bank, >= 1
  localparam int SBA = (SBD > 1) ? $clog2(SBD) : 1,
  localparam int ZBA = (ZBD > 1) ? $clog2(ZBD) : 1,
  localparam int LUTL = feather_pkg::lut_lines(AW),    // activation-table lines
  localparam int LUTA = (LUTL > 2) ? $clog2(LUTL) : 1
) (
  input  logic           clk_i,
  // Table writes (a Load beat).
  input  logic           sc_we_i,
  input  logic [SBA-1:0] sc_waddr_i,
  input  logic           zp_we_i,
  input  logic [ZBA-1:0] zp_waddr_i,
  input  logic           lut_we_i,
  input  logic [LUTA-1:0] lut_waddr_i,
  input  logic [AW*8-1:0] wdata_i,
  // Requantization of v_i with entry qn_i.
  input  logic [QW-1:0]  qn_i,
  input  logic [31:0]    v_i,
  input  logic [7:0]     lo_i,   // Config's clamp
  input  logic [7:0]     hi_i,
  input  logic           lut_i,  // Config's activation-table bit: q_o = lut[requantized]
  output logic [7:0]     q_o
);

  localparam int NQL = (NQB > 1) ? $clog2(NQB) : 1;

  logic [NQL-1:0] sc_bank, zp_bank;
  logic [SBA-1:0] sc_raddr;
  logic [ZBA-1:0] zp_raddr;
  logic [1:0]     zp_byte;
  logic [31:0]    zp_word;
  logic [31:0]    scale;
  logic [7:0]     ozp;
  logic [7:0]     rq;  // the requantized, clamped byte
  (* mem2reg *)
  logic [31:0]    sc_rd [NQB];
  (* mem2reg *)
  logic [31:0]    zp_rd [NQB];
  assign sc_bank  = NQL'(32'(qn_i) & 32'(NQB - 1));
  assign zp_bank  = NQL'((32'(qn_i) >> 2) & 32'(NQB - 1));
  assign sc_raddr = SBA'(32'(qn_i) >> (AWL - 2));
  assign zp_raddr = ZBA'(32'(qn_i) >> AWL);
  assign zp_byte  = qn_i[1:0];

  for (genvar j = 0; j < NQB; j++) begin : g_qbank
    feather_mem #(.DEPTH(SBD), .DW(32), .SYNC(0)) u_scale (
      .clk_i  (clk_i),
      .we_i   (sc_we_i),
      .waddr_i(sc_waddr_i),
      .wdata_i(wdata_i[j*32 +: 32]),
      .raddr_i(sc_raddr),
      .rdata_o(sc_rd[j])
    );
    if (ZBD > 1) begin : g_zmem
      feather_mem #(.DEPTH(ZBD), .DW(32), .SYNC(0)) u_ozp (
        .clk_i  (clk_i),
        .we_i   (zp_we_i),
        .waddr_i(zp_waddr_i),
        .wdata_i(wdata_i[j*32 +: 32]),
        .raddr_i(zp_raddr),
        .rdata_o(zp_rd[j])
      );
    end else begin : g_zreg
      logic [31:0] zp_q;
      always_ff @(posedge clk_i) begin
        if (zp_we_i) begin
          zp_q <= wdata_i[j*32 +: 32];
        end
      end
      assign zp_rd[j] = zp_q;
    end
  end
  if (ZBD == 1) begin : g_unused_zp
    logic unused_zp;
    assign unused_zp = ^{zp_raddr, zp_waddr_i};
  end
  if (NQB == 1) begin : g_unused_bank
    logic unused_bank;
    assign unused_bank = ^{sc_bank, zp_bank};
  end

  assign scale   = sc_rd[sc_bank];
  assign zp_word = zp_rd[zp_bank];
  assign ozp     = zp_word[{zp_byte, 3'b000} +: 8];
  feather_requant u_rq (
    .v_i    (v_i),
    .scale_i(scale),
    .ozp_i  (ozp),
    .lo_i   (lo_i),
    .hi_i   (hi_i),
    .q_o    (rq)
  );

  // The activation table: entry e is byte e % AW of line e / AW.
  logic [AW*8-1:0] lut_line;
  logic [31:0]     lut_e;
  assign lut_e = 32'(rq);
  feather_mem #(.DEPTH((LUTL > 2) ? LUTL : 2), .DW(AW*8), .SYNC(0)) u_lut (
    .clk_i  (clk_i),
    .we_i   (lut_we_i),
    .waddr_i(lut_waddr_i),
    .wdata_i(wdata_i),
    .raddr_i(LUTA'(lut_e >> AWL)),
    .rdata_o(lut_line)
  );
  assign q_o = lut_i ? lut_line[8 * (lut_e & 32'(AW - 1)) +: 8] : rq;

endmodule
